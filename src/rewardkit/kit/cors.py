"""CORS: off unless origins are configured (REWARDKIT_CORS_ORIGINS, exact origins). The docs' try-it
runs on the API's own origin and needs none of it."""

from __future__ import annotations

import orjson
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from rewardkit.kit.errors import PROBLEM_JSON, Problem

# What a browser client of the API sends, and what it may read from our responses.
ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Rewardkit-Version", "Request-Id")
EXPOSE_HEADERS = (
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Retry-After",
    "Request-Id",
    "Idempotent-Replayed",
    "Rewardkit-Version",
)
ALLOW_METHODS = ("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE")
PREFLIGHT_MAX_AGE = 600


class CorsRefused(Problem):
    """A browser's preflight asked for an origin, method or header the API does not allow
    (REWARDKIT_CORS_ORIGINS and docs/api.md "CORS" say which). The browser will not send the request."""

    status, code, title = 400, "cors_refused", "Cross-origin request not allowed"


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in problem+json like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        problem = CorsRefused(bytes(response.body).decode() + ".")
        kept = {k: v for k, v in response.headers.items() if k not in {"content-type", "content-length"}}
        return Response(orjson.dumps(problem.to_dict()), status_code=400, media_type=PROBLEM_JSON, headers=kept)


def origins_of(spec: str) -> list[str]:
    """`https://a.example, https://b.example` -> the origins, without a trailing slash (browsers send none)."""
    return [o.strip().rstrip("/") for o in spec.split(",") if o.strip()]


def install_cors(app: FastAPI, spec: str) -> None:
    """Add the CORS middleware for these origins; nothing at all when there are none. Credentials are
    bearer tokens sent explicitly, never cookies, so `allow_credentials` stays off."""
    origins = origins_of(spec)
    if not origins:
        return
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=origins,
        allow_methods=list(ALLOW_METHODS),
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
        max_age=PREFLIGHT_MAX_AGE,
    )
