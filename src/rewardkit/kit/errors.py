"""One error hierarchy, rendered as RFC 9457 problem+json with a stable `code`.

Every domain declares its problems as subclasses of `Problem`; the registry below lets the app
document each one at /problems/{code} and in the OpenAPI description.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_JSON = "application/problem+json"

REGISTRY: dict[str, type[Problem]] = {}


class Problem(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        REGISTRY.setdefault(cls.code, cls)

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


REGISTRY["bad_request"] = Problem


class MalformedJSON(Problem):
    status, code, title = 400, "malformed_json", "The request body is not valid JSON"


class ValidationFailed(Problem):
    status, code, title = 422, "validation_error", "The request has invalid fields"

    def __init__(self, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None, **kw: Any) -> None:
        # A check a service makes by hand answers the same shape as pydantic's (kit/http.py _field_errors):
        # each error with its `pointer` and `code`, the detail counting the fields.
        shaped = [_shaped(e) for e in errors] if errors else errors
        if detail is None and shaped:
            detail = f"{len(shaped)} field(s) are invalid."
        super().__init__(detail, errors=shaped, **kw)


def _shaped(error: dict[str, Any]) -> dict[str, Any]:
    """One `errors[]` item as kit/http.py writes pydantic's: `field` dotted, `pointer` the JSON pointer
    into the body (None for a query or path parameter), `in`, `message`, `code`."""
    out = {"in": "body", "code": "value_error", **error}
    if "pointer" not in out:
        field = str(out.get("field", ""))
        out["pointer"] = "/" + field.replace(".", "/") if out["in"] == "body" and field else None
    return out


class NotFound(Problem):
    status, code, title = 404, "not_found", "No such resource"


class MethodNotAllowed(Problem):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


class PayloadTooLarge(Problem):
    status, code, title = 413, "payload_too_large", "The request body is too large"


class UnsupportedMediaType(Problem):
    status, code, title = 415, "unsupported_media_type", "Send the body as application/json"


class InvalidVersion(Problem):
    status, code, title = 400, "invalid_api_version", "Unknown Rewardkit-Version"


class IdempotencyKeyInvalid(Problem):
    status, code, title = 400, "idempotency_key_invalid", "The Idempotency-Key header is invalid"


class IdempotencyKeyReused(Problem):
    status, code, title = 422, "idempotency_key_reused", "This Idempotency-Key was used with another request"


class IdempotencyKeyInFlight(Problem):
    status, code, title = 409, "idempotency_key_in_flight", "A request with this Idempotency-Key is in progress"


class Conflict(Problem):
    status, code, title = 409, "conflict", "The request conflicts with the current state"


class InternalError(Problem):
    status, code, title = 500, "internal_error", "Something went wrong on our side"


class ServiceUnavailable(Problem):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class MetricsUnauthorized(Problem):
    """GET /metrics needs `Authorization: Bearer <REWARDKIT_METRICS_TOKEN>` when that setting is set."""

    status, code, title = 401, "metrics_unauthorized", "A valid metrics token is required"
