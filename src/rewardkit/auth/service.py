"""Organisations and API keys. A key's plaintext exists only in the return value of create_key."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import repository
from rewardkit.auth.errors import InvalidApiKey, OrgNotFound
from rewardkit.auth.models import MODES, ApiKey, Org
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id


@dataclass(frozen=True)
class Identity:
    org_id: str
    mode: str  # "test" | "live"
    key_id: str

    @property
    def livemode(self) -> bool:
        return self.mode == "live"


def _looks_like_key(raw: str) -> bool:
    return raw.startswith(("sk_test_", "sk_live_")) and 16 < len(raw) < 100 and raw.isascii()


async def create_org(s: AsyncSession, name: str, default_currency: str = "USD") -> Org:
    org = Org(id=new_id("org"), name=name, default_currency=default_currency, created_at=utcnow())
    s.add(org)
    await s.flush()
    return org


async def default_currency(s: AsyncSession, org_id: str) -> str:
    org = await repository.get_org(s, org_id)
    if org is None:
        raise OrgNotFound(f"No organisation {org_id}.")
    return org.default_currency


async def create_key(s: AsyncSession, keyring: Keyring, org_id: str, mode: str) -> tuple[ApiKey, str]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if await repository.get_org(s, org_id) is None:
        raise OrgNotFound(f"No organisation {org_id}.")
    raw = f"sk_{mode}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        id=new_id("key"),
        org_id=org_id,
        mode=mode,
        key_hash=keyring.hash(raw),
        redacted=f"sk_{mode}_…{raw[-4:]}",
        created_at=utcnow(),
    )
    s.add(key)
    await s.flush()
    return key, raw


async def revoke_key(s: AsyncSession, key_id: str, org_id: str | None = None) -> bool:
    return await repository.revoke_key(s, key_id, org_id, utcnow())


class KeyCache:
    """Authenticated keys for a few seconds, so the hot path skips a query; a revocation takes
    effect within `ttl` seconds on every process (documented in docs/deploy.md)."""

    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: dict[str, tuple[float, Identity]] = {}

    def get(self, digest: str) -> Identity | None:
        hit = self._items.get(digest)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, digest: str, ident: Identity) -> None:
        if len(self._items) >= self.size:
            self._items.clear()
        self._items[digest] = (time.monotonic() + self.ttl, ident)


async def authenticate(s: AsyncSession, keyring: Keyring, raw: str) -> Identity:
    if not _looks_like_key(raw):
        raise InvalidApiKey("That is not a rewardkit API key; keys start with sk_test_ or sk_live_.")
    key = await repository.find_key_by_hashes(s, keyring.hashes(raw))
    if key is None:
        raise InvalidApiKey()
    return Identity(org_id=key.org_id, mode=key.mode, key_id=key.id)
