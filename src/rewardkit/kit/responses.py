"""JSON responses via orjson, and the versioned render step every resource goes through."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from rewardkit.kit import versioning


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def respond(
    request: Request, body: Any, resource: str, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    version = getattr(request.state, "api_version", versioning.LATEST)
    return JSONResponse(versioning.downgrade(body, resource, version), status_code=status_code, headers=headers)
