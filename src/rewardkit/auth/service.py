"""Organisations and API keys. A key's plaintext exists only in the return value of create_key."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import repository
from rewardkit.auth.errors import InvalidApiKey, InvalidSession, OrgNotFound
from rewardkit.auth.models import MODES, ApiKey, Org, PrincipalSession
from rewardkit.auth.principals import API_KEY, API_KEY_SCOPES, SESSION_PREFIXES, Principal
from rewardkit.auth.schemas import SessionOut
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


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
        self._items: dict[str, tuple[float, Principal]] = {}

    @classmethod
    def open(cls, rt: Any) -> KeyCache:
        """The runtime part (auth/module.py): one per process, `api_key_cache_seconds` long."""
        return cls(ttl=rt.settings.api_key_cache_seconds)

    def get(self, digest: str) -> Principal | None:
        hit = self._items.get(digest)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, digest: str, ident: Principal) -> None:
        if len(self._items) >= self.size:
            self._items.clear()
        self._items[digest] = (time.monotonic() + self.ttl, ident)


async def authenticate(s: AsyncSession, keyring: Keyring, raw: str) -> Principal:
    if not _looks_like_key(raw):
        raise InvalidApiKey("That is not a rewardkit API key; keys start with sk_test_ or sk_live_.")
    key = await repository.find_key_by_hashes(s, keyring.hashes(raw))
    if key is None:
        raise InvalidApiKey()
    return Principal(API_KEY, key.org_id, key.mode, key.id, scopes=API_KEY_SCOPES)


async def create_session(
    s: AsyncSession,
    keyring: Keyring,
    kind: str,
    org_id: str,
    mode: str,
    subject: str,
    *,
    scopes: frozenset[str] = frozenset(),
    ttl: timedelta = timedelta(hours=1),
) -> tuple[PrincipalSession, str]:
    """A session for a principal that is not an API key; its token exists only in the return value.
    Made by the products that sign people in (storefront session links, reward links, the dashboard)."""
    prefix = SESSION_PREFIXES.get(kind)
    if prefix is None:
        raise ValueError(f"kind must be one of {sorted(SESSION_PREFIXES)}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if await repository.get_org(s, org_id) is None:
        raise OrgNotFound(f"No organisation {org_id}.")
    raw = f"{prefix}{secrets.token_urlsafe(32)}"
    now = utcnow()
    session = PrincipalSession(
        id=new_id("pss"),
        kind=kind,
        org_id=org_id,
        mode=mode,
        subject=subject,
        scopes=sorted(scopes),
        token_hash=keyring.hash(raw),
        expires_at=now + ttl,
        created_at=now,
    )
    s.add(session)
    await s.flush()
    return session, raw


def session_kind(raw: str) -> str | None:
    """The kind a bearer token claims by its prefix (None: not a session token)."""
    for kind, prefix in SESSION_PREFIXES.items():
        if raw.startswith(prefix) and 20 < len(raw) < 100 and raw.isascii():
            return kind
    return None


async def authenticate_session(s: AsyncSession, keyring: Keyring, raw: str) -> Principal:
    kind = session_kind(raw)
    if kind is None:
        raise InvalidSession()
    found = await repository.find_session_by_hashes(s, keyring.hashes(raw))
    if found is None or found.kind != kind or found.expires_at <= utcnow():
        raise InvalidSession()
    return Principal(kind, found.org_id, found.mode, found.id, found.subject, frozenset(found.scopes))


async def revoke_session(s: AsyncSession, session_id: str) -> bool:
    return await repository.revoke_session(s, session_id, utcnow())


async def describe_session(ctx: Runtime, principal: Principal) -> dict[str, Any]:
    """GET /v1/session: the calling session as the API shows it."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = await repository.get_session(s, principal.id)
    if found is None:
        raise InvalidSession()
    return SessionOut(
        id=found.id,
        kind=found.kind,
        livemode=found.mode == "live",
        subject=found.subject,
        scopes=list(found.scopes),
        expires_at=found.expires_at,
        created_at=found.created_at,
    ).model_dump(mode="json")


async def list_orgs(s: AsyncSession) -> list[Org]:
    return await repository.list_orgs(s)


async def org_exists(s: AsyncSession, org_id: str) -> bool:
    return await repository.get_org(s, org_id) is not None
