"""Typed exceptions: every API error carries the problem's stable `code`, the HTTP `status` and the
request id, whatever the code (a code this SDK does not know yet is still typed by its status)."""

from __future__ import annotations

import json
from typing import Any

import httpx


class RewardkitError(Exception):
    """Base of every error this SDK raises."""


class APIConnectionError(RewardkitError):
    """The request never got an answer (connection refused or reset, DNS, a dropped response)."""


class APITimeoutError(APIConnectionError):
    """The server did not answer in time."""


class APIError(RewardkitError):
    """The server answered with a problem (application/problem+json) or another error status."""

    def __init__(self, status: int, problem: dict[str, Any], request_id: str | None, headers: httpx.Headers) -> None:
        self.status = status
        self.problem = problem
        self.code: str | None = problem.get("code") if isinstance(problem.get("code"), str) else None
        self.title: str | None = problem.get("title")
        self.detail: str | None = problem.get("detail")
        self.request_id = request_id or problem.get("request_id")
        self.headers = headers
        what = self.detail or self.title or ""
        super().__init__(f"{status} {self.code or 'error'}: {what} (request {self.request_id})")

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The field errors of a validation_error (or an import's rows); empty otherwise."""
        found = self.problem.get("errors")
        return found if isinstance(found, list) else []


class InvalidRequest(APIError):
    """400, 405, 413, 415, 422: the request itself is wrong; retrying it unchanged fails again."""


class AuthenticationError(APIError):
    """401: no key, an unknown or revoked key, an expired session."""


class PaymentRequired(APIError):
    """402: e.g. insufficient_funds (the wallet named in problem['currency'])."""


class PermissionDenied(APIError):
    """403: a credential of the wrong kind, a missing operator token."""


class NotFound(APIError):
    """404 (and 410 Gone): no such resource for this key's organisation and mode."""


class Conflict(APIError):
    """409: the resource's state refuses the call (idempotency_key_in_flight is retried first)."""


class RateLimited(APIError):
    """429: over a rate limit; `retry_after` seconds (retried first, up to max_retries)."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class ServerError(APIError):
    """5xx: the server failed (retried first, up to max_retries, when the call is safe to repeat)."""


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (our server sends integers); an HTTP date or garbage is ignored."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem body, or {} when the answer is not JSON (a proxy's HTML page)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_for(response: httpx.Response) -> APIError:
    status = response.status_code
    cls: type[APIError]
    if status == 401:
        cls = AuthenticationError
    elif status == 402:
        cls = PaymentRequired
    elif status == 403:
        cls = PermissionDenied
    elif status in (404, 410):
        cls = NotFound
    elif status == 409:
        cls = Conflict
    elif status == 429:
        cls = RateLimited
    elif status >= 500:
        cls = ServerError
    elif status >= 400:
        cls = InvalidRequest
    else:
        cls = APIError
    return cls(status, problem_of(response), response.headers.get("request-id"), response.headers)
