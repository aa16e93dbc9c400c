"""What every request and job needs, built once by create_app and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from rewardkit.config import Settings
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import Database
from rewardkit.kit.idempotency import IdempotencyStore


@dataclass
class AppContext:
    settings: Settings
    db: Database
    keyring: Keyring
    idempotency: IdempotencyStore
    # Per-process caches owned by domains (e.g. authenticated keys); never the source of truth.
    caches: dict[str, Any] = field(default_factory=dict)


def keyring_for(settings: Settings) -> Keyring:
    if settings.secret_keys:
        return Keyring.from_spec(settings.secret_keys)
    if settings.environment == "production":
        raise RuntimeError("REWARDKIT_SECRET_KEYS must be set in production")
    return Keyring.from_file(settings.secret_file)


async def get_context(request: Request) -> AppContext:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on every request.
    ctx: AppContext = request.app.state.ctx
    return ctx
