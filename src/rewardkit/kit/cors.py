"""CORS: off unless origins are configured (REWARDKIT_CORS_ORIGINS, exact origins). The docs' try-it
runs on the API's own origin and needs none of it."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

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
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=list(ALLOW_METHODS),
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
        max_age=PREFLIGHT_MAX_AGE,
    )
