"""Organisations and API keys. A key's plaintext exists only in the return value of create_key."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import repository
from rewardkit.auth.errors import InvalidApiKey, InvalidBranding, InvalidSession, KeyNotFound, OrgNotFound
from rewardkit.auth.models import MODES, ApiKey, Org, PrincipalSession
from rewardkit.auth.principals import API_KEY, API_KEY_SCOPES, SESSION_PREFIXES, Principal
from rewardkit.auth.schemas import SessionOut
from rewardkit.kit import ssrf, versioning
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


T = TypeVar("T")


class Issued(NamedTuple, Generic[T]):
    """A credential just made: its row (stored with an HMAC only) and its secret, which exists nowhere
    else: show it once."""

    row: T
    secret: str


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


async def create_key(
    s: AsyncSession, keyring: Keyring, org_id: str, mode: str, api_version: str | None = None
) -> Issued[ApiKey]:
    """A new key, pinned to `api_version` (default: the latest; an unknown one is InvalidVersion)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    version = versioning.check(api_version) if api_version is not None else versioning.LATEST
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
        api_version=version,
    )
    s.add(key)
    await s.flush()
    return Issued(key, raw)


async def revoke_key(s: AsyncSession, key_id: str, org_id: str | None = None) -> bool:
    return await repository.revoke_key(s, key_id, org_id, utcnow())


def describe_key(key: ApiKey) -> dict[str, Any]:
    """A key as the CLI lists it: never its secret or its hash."""
    return {
        "id": key.id,
        "org_id": key.org_id,
        "mode": key.mode,
        "redacted": key.redacted,
        "api_version": key.api_version,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


async def list_keys(s: AsyncSession, org_id: str) -> list[ApiKey]:
    """An organisation's keys, revoked ones included, oldest first."""
    if await repository.get_org(s, org_id) is None:
        raise OrgNotFound(f"No organisation {org_id}.")
    return await repository.list_keys(s, org_id)


async def roll_key(s: AsyncSession, keyring: Keyring, key_id: str) -> Issued[ApiKey]:
    """Replace an active key by a new one of the same org and mode, in the caller's unit of work: the
    old key is revoked and the new one created together, or neither (a concurrent roll or revoke of the
    same key finds it revoked and raises, so one key becomes one key)."""
    old = await repository.get_key(s, key_id)
    if old is None or old.revoked_at is not None:
        raise KeyNotFound(f"No active key {key_id}.")
    if not await repository.revoke_key(s, key_id, old.org_id, utcnow()):
        raise KeyNotFound(f"No active key {key_id}.")
    # The new key keeps the old one's version: rolling a secret must not change the API it sees.
    return await create_key(s, keyring, old.org_id, old.mode, old.api_version)


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

    def forget(self, key_id: str) -> None:
        """Drop a key's entries (its version changed): this process sees the change at once."""
        for digest in [d for d, (_, p) in self._items.items() if p.id == key_id]:
            self._items.pop(digest, None)

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
    return Principal(API_KEY, key.org_id, key.mode, key.id, scopes=API_KEY_SCOPES, api_version=key.api_version)


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
) -> Issued[PrincipalSession]:
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
    return Issued(session, raw)


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


# --- branding of the hosted pages (docs/branding.md) --------------------------------------------------

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_ACCENT = "#2471a3"
_DARK_TEXT, _LIGHT_TEXT = "#111111", "#ffffff"
# API field -> Org column
BRANDING_FIELDS = {
    "display_name": "brand_name",
    "logo_url": "brand_logo_url",
    "accent_color": "brand_accent",
    "support_email": "support_email",
}


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(accent: str) -> str:
    """White or near-black, whichever reads better on `accent` (at least 4.5:1 for any accent but a few
    mid greys, where the better of the two still passes 3:1 for large text and buttons)."""
    return _LIGHT_TEXT if contrast_ratio(accent, _LIGHT_TEXT) >= contrast_ratio(accent, _DARK_TEXT) else _DARK_TEXT


@dataclass(frozen=True)
class Branding:
    org_id: str
    org_name: str
    display_name: str | None
    logo_url: str | None
    accent_color: str | None
    support_email: str | None

    @property
    def name(self) -> str:
        """What the hosted pages show: the display name, or the organisation's name."""
        return self.display_name or self.org_name

    @property
    def accent(self) -> str:
        return self.accent_color or DEFAULT_ACCENT

    @property
    def accent_text(self) -> str:
        return text_colour_on(self.accent)

    @property
    def logo_origin(self) -> str | None:
        """The logo's origin (for the page's img-src), or None without a logo."""
        if not self.logo_url:
            return None
        parsed = ssrf.check_url(self.logo_url, live=True, allow_private=False)
        return f"https://{parsed.host_header}"

    @classmethod
    def of(cls, org: Org) -> Branding:
        return cls(org.id, org.name, org.brand_name, org.brand_logo_url, org.brand_accent, org.support_email)

    def to_api(self) -> dict[str, Any]:
        return {
            "object": "branding",
            "org_id": self.org_id,
            "display_name": self.display_name,
            "logo_url": self.logo_url,
            "accent_color": self.accent_color,
            "accent_text_color": self.accent_text,
            "support_email": self.support_email,
        }


def _clean_display_name(v: str) -> str:
    v = " ".join(v.split())
    if not v or len(v) > 100 or not v.isprintable():
        raise ValueError("must be 1 to 100 printable characters")
    return v


def _clean_accent(v: str) -> str:
    v = v.strip()
    if not _HEX.fullmatch(v):
        raise ValueError("must be a colour as #rrggbb, e.g. #1a73e8")
    return v.lower()


def _clean_logo_url(v: str) -> str:
    try:
        parsed = ssrf.check_url(v.strip(), live=True, allow_private=False)
    except ssrf.UnsafeDestination as exc:
        raise ValueError(f"must be a public https URL: {exc.reason}") from exc
    if parsed.ip is not None:
        raise ValueError("must name a host, not an IP address")
    return parsed.url


def _clean_email(v: str) -> str:
    try:
        found = validate_email(v.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    if len(found.normalized) > 254:
        raise ValueError("must be at most 254 characters")
    return str(found.normalized)


_CLEANERS = {
    "display_name": ("invalid_display_name", _clean_display_name),
    "logo_url": ("invalid_logo_url", _clean_logo_url),
    "accent_color": ("invalid_color", _clean_accent),
    "support_email": ("invalid_email", _clean_email),
}


def clean_branding(changes: dict[str, str | None]) -> dict[str, str | None]:
    """Validate and normalise branding fields (API names); None (or "") clears a field.

    Raises InvalidBranding listing every bad field; returns the Org column values to write."""
    out: dict[str, str | None] = {}
    errors: list[dict[str, Any]] = []
    for field, value in changes.items():
        if field not in _CLEANERS:
            raise ValueError(f"unknown branding field {field!r}")
        code, clean = _CLEANERS[field]
        if value is None or value.strip() == "":
            out[BRANDING_FIELDS[field]] = None
            continue
        try:
            out[BRANDING_FIELDS[field]] = clean(value)
        except ValueError as exc:
            errors.append({"field": field, "pointer": f"/{field}", "in": "body", "code": code, "message": str(exc)})
    if errors:
        fields = ", ".join(e["field"] for e in errors)
        raise InvalidBranding(f"Invalid branding: {fields}.", errors=errors)
    return out


async def get_branding(s: AsyncSession, org_id: str) -> Branding:
    org = await repository.get_org(s, org_id)
    if org is None:
        raise OrgNotFound(f"No organisation {org_id}.")
    return Branding.of(org)


async def update_branding(s: AsyncSession, org_id: str, changes: dict[str, str | None]) -> Branding:
    """Set the fields named in `changes` (API names), leave the others; used by the API and the CLI."""
    values = clean_branding(changes)
    org = await repository.get_org(s, org_id)
    if org is None:
        raise OrgNotFound(f"No organisation {org_id}.")
    for column, value in values.items():
        setattr(org, column, value)
    await s.flush()
    return Branding.of(org)


async def branding_of(ctx: Runtime, org_id: str) -> dict[str, Any]:
    """GET /v1/branding."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        return (await get_branding(s, org_id)).to_api()


async def set_branding(ctx: Runtime, org_id: str, changes: dict[str, str | None]) -> dict[str, Any]:
    """PATCH /v1/branding."""
    async with ctx.db.unit_of_work() as s:
        return (await update_branding(s, org_id, changes)).to_api()


def branding_text(b: dict[str, Any]) -> str:
    """The CLI's view of a branding (`rewardkit orgs brand`)."""
    rows = [(k, b[k]) for k in ("display_name", "logo_url", "accent_color", "accent_text_color", "support_email")]
    return f"branding of {b['org_id']}\n" + "\n".join(f"  {k}: {v if v is not None else '-'}" for k, v in rows)


def branding_problem_text(p: Exception) -> str:
    errors = getattr(p, "errors", None) or []
    detail = getattr(p, "detail", str(p))
    return "\n".join([detail, *(f"  {e['field']}: {e['message']}" for e in errors)])
