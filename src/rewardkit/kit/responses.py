"""JSON responses via orjson, the versioned render step every resource goes through, the base of every
response model, and the OpenAPI declarations every /v1 operation shares (its error statuses and
headers), added in one place so that no route can forget them."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse as FastAPIJSONResponse
from pydantic import BaseModel, ConfigDict, Field

from rewardkit.kit import versioning


class JSONResponse(FastAPIJSONResponse):
    # A JSONResponse subclass, so that FastAPI describes a route's body by its model (for any other
    # response class it declares the body a string).
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def respond(
    request: Request, body: Any, resource: str, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    version = getattr(request.state, versioning.STATE_KEY, versioning.LATEST)
    return JSONResponse(versioning.downgrade(body, resource, version), status_code=status_code, headers=headers)


class ResponseModel(BaseModel):
    """The base of every response body. The OpenAPI description is generated from these models and SDKs
    from it, so they are exact: every field is required in the description (it is always sent, `null`
    where it has no value) and no other field is allowed (a field the code adds without its model fails
    the schemathesis run and the render tests)."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class Money(ResponseModel):
    """An amount: integer minor units (ISO 4217: USD 2 places, JPY 0, BHD 3) and the same in major units."""

    currency: str
    minor_units: int
    value: str = Field(description="In major units, e.g. \"12.50\"")


class ListObject(ResponseModel):
    """A list: subclasses add `data: list[ItemOut]`. Lists that are not paged answer
    `has_more: false, next_cursor: null`, so every list reads the same way."""

    object: Literal["list"] = "list"
    has_more: bool = Field(description="More items follow: ask again with `cursor` = `next_cursor`")
    next_cursor: str | None = Field(description="The cursor of the next page; null on the last page")


class Deleted(ResponseModel):
    id: str
    object: str
    deleted: Literal[True] = True


# --- what every operation can answer (added by document_operations) -------------------------------

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
HEADERS: dict[str, dict[str, Any]] = {
    "Rewardkit-Version": {
        "description": "The API version the response is written in (the one requested, or the latest).",
        "schema": {"type": "string", "enum": versioning.VERSIONS},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": {"type": "string"}},
    "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "string"}},
    "RateLimit-Reset": {"description": "Seconds until the window resets.", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Request-Id": {
        "description": "The request's id (the one sent, or a new one), also in the problem body's `request_id`.",
        "schema": {"type": "string"},
    },
}
VERSION_PARAMETER: dict[str, Any] = {
    "name": "Rewardkit-Version",
    "in": "header",
    "required": False,
    "description": "Pin the API version; absent or empty: the latest. An unknown version is a 400 "
    "`invalid_api_version`.",
    # The empty value is listed because it is accepted (as the latest), and the description is exact.
    "schema": {"type": "string", "enum": [*versioning.VERSIONS, ""]},
}
WRITES = {"post", "put", "patch"}
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _header(name: str, required: bool = False) -> dict[str, Any]:
    # Inline rather than a $ref to components/headers: `required` beside a $ref is ignored in OpenAPI 3.1.
    return {**HEADERS[name], "required": required}


def _common_errors(path: str, method: str, op: dict[str, Any]) -> dict[str, list[str]]:
    """status -> the problem codes every /v1 operation of this shape can answer, beyond its own."""
    params = {p.get("name") for p in op.get("parameters", []) if isinstance(p, dict)}
    has_body = "requestBody" in op
    bad_request = ["invalid_api_version", "malformed_request"]
    if has_body:
        bad_request.append("malformed_json")
    if "cursor" in params:
        bad_request.append("invalid_cursor")
    errors: dict[str, list[str]] = {
        "400": bad_request,
        "413": ["payload_too_large"],
    }
    if not path.startswith("/v1/"):
        return errors
    errors.update(
        {
            "401": ["authentication_required", "invalid_api_key", "invalid_session"],
            "403": ["principal_not_allowed"],
            # Every /v1 route refuses undeclared query parameters (kit/http.py StrictJSONRoute).
            "422": ["validation_error"],
            "429": ["rate_limited"],
            "503": ["service_unavailable"],
        }
    )
    if op.get("security") == []:
        # No credential is asked (the claim API: the token in the path is the credential), so none can
        # be missing, unknown or of the wrong kind.
        del errors["401"], errors["403"]
    if method in WRITES:
        errors["415"] = ["unsupported_media_type"]
    if "{" in path:
        errors["404"] = []
    return errors


def document_operations(schema: dict[str, Any]) -> None:
    """Declare on every operation the errors the request plumbing can answer (kit/http.py RequestGuard:
    400, 413, 415; auth: 401, 403; StrictJSONRoute: 422; the rate limiter: 429; the database away: 503)
    with their headers,
    the Rewardkit-Version header parameter and response header, and no auth on the System endpoints."""
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            v1 = path.startswith("/v1/")
            if not v1:
                op["security"] = []  # health, readiness: no credential
            params = op.setdefault("parameters", [])
            if not any(p.get("name") == VERSION_PARAMETER["name"] for p in params):
                params.append(dict(VERSION_PARAMETER))
            responses: dict[str, Any] = op.setdefault("responses", {})
            for status, codes in _common_errors(path, method, op).items():
                resp = responses.setdefault(status, {"description": ""})
                own = resp.get("description", "").strip()
                missing = [c for c in codes if c not in own]
                resp["description"] = ", ".join(filter(None, [own, *missing])) or "Not found"
            for status, resp in responses.items():
                headers = resp.setdefault("headers", {})
                # kit/request_id.py puts it on every answer, errors and 500s included.
                headers.setdefault("Request-Id", _header("Request-Id", required=True))
                if v1:
                    # Echoed on every /v1 answer but the one refusing the version itself (a 400).
                    headers.setdefault("Rewardkit-Version", _header("Rewardkit-Version", required=status != "400"))
                if status in {"429", "503"}:
                    headers.setdefault("Retry-After", _header("Retry-After", required=status == "429"))
                if status == "429" or (v1 and status.startswith("2")):
                    for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
                        headers.setdefault(name, _header(name))
