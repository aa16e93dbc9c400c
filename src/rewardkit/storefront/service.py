"""The storefront's rules (#15): the store's settings, its HS256 secrets, session links and the two ways
in (a session link, a JWT), each ending in a member session (sessions.py). One unit of work per call."""

from __future__ import annotations

import re
import secrets as random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt
import structlog
from sqlalchemy.exc import IntegrityError

from rewardkit.auth import service as auth
from rewardkit.auth.principals import Principal
from rewardkit.kit import ssrf
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.kit.ids import new_id
from rewardkit.points import members as points
from rewardkit.storefront import repository, sessions, sso
from rewardkit.storefront.errors import (
    InvalidStorefront,
    ReturnUrlNotAllowed,
    SsoReplayed,
    SsoSecretNotFound,
    StorefrontNotFound,
    StorefrontSlugTaken,
    TooManySsoSecrets,
)
from rewardkit.storefront.models import (
    ASYMMETRIC,
    MAX_ACTIVE_SECRETS,
    SSO_FAILED,
    Storefront,
    StorefrontJti,
    StorefrontSessionLink,
    StorefrontSsoSecret,
)
from rewardkit.storefront.origins import clean_origin, origin_of
from rewardkit.storefront.render import render_secret, render_session_link, render_store
from rewardkit.storefront.schemas import SessionCreate, StorefrontPut

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

log = structlog.get_logger("rewardkit.storefront")
TEST_PREFIX = "test-"
ENTER = "/enter/"  # /s/{slug}/enter/{token}: the session link's landing (Module.token_paths)


def _invalid(field: str, message: str) -> InvalidStorefront:
    pointer = "/" + field.replace(".", "/")
    return InvalidStorefront(
        f"{field}: {message}", errors=[{"field": field, "in": "body", "pointer": pointer, "message": message}]
    )


def _slug_from(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30].strip("-") or "store"
    return f"{base}-{random.token_hex(3)}"


def _full_slug(slug: str, mode: str) -> str:
    if mode == "test":
        return TEST_PREFIX + slug
    if slug.startswith(TEST_PREFIX):
        raise _invalid("slug", "a live store's slug may not start with 'test-' (test stores' slugs do)")
    return slug


def _origins(values: list[str], field: str, live: bool) -> list[str]:
    out: list[str] = []
    for i, value in enumerate(values):
        try:
            out.append(clean_origin(value, live=live))
        except ValueError as exc:
            raise _invalid(f"{field}.{i}", str(exc)) from None
    return list(dict.fromkeys(out))


def _branding(req: StorefrontPut) -> dict[str, str | None]:
    given = {k: v for k, v in req.branding.model_dump().items() if v is not None}
    columns = auth.clean_branding(given)  # InvalidBranding (422) names every bad field
    by_column = {column: name for name, column in auth.BRANDING_FIELDS.items()}
    return {by_column[c]: v for c, v in columns.items() if v is not None}


def _sso(ctx: Runtime, req: StorefrontPut, mode: str) -> tuple[str | None, list[str]]:
    url = req.sso.jwks_url
    if url is not None:
        allow_private = mode == "test" and ctx.settings.storefront_jwks_allow_private_in_test
        try:
            url = ssrf.check_url(url.strip(), live=mode == "live", allow_private=allow_private).url
        except ssrf.UnsafeDestination as exc:
            raise _invalid("sso.jwks_url", f"cannot be fetched: {exc.reason}") from None
    algorithms = list(dict.fromkeys(req.sso.algorithms or (ASYMMETRIC if url else ("HS256",))))
    if url and "HS256" in algorithms:
        raise _invalid("sso.algorithms", "HS256 is not allowed with a jwks_url (a public key is no HMAC secret)")
    if not url and any(a in ASYMMETRIC for a in algorithms):
        raise _invalid("sso.algorithms", "RS256, ES256 and EdDSA need sso.jwks_url")
    return url, algorithms


async def _store(s: Any, ident: Principal) -> Storefront:
    row = await repository.store_of(s, ident.org_id, ident.mode)
    if row is None:
        raise StorefrontNotFound("Configure the store first: PUT /v1/storefront.")
    return row


async def put_store(ctx: Runtime, ident: Principal, req: StorefrontPut) -> tuple[dict[str, Any], bool]:
    live = ident.mode == "live"
    values: dict[str, Any] = {
        "title": req.title,
        "branding": _branding(req),
        "return_origins": _origins(req.allowed_return_origins, "allowed_return_origins", live),
        "frame_ancestors": _origins(req.allowed_frame_ancestors, "allowed_frame_ancestors", live),
        "categories": req.categories.model_dump(),
        "products": req.products.model_dump(),
    }
    values["jwks_url"], values["algorithms"] = _sso(ctx, req, ident.mode)
    now = utcnow()
    try:
        async with ctx.db.unit_of_work() as s:
            if await points.program_in(s, ident.org_id, ident.mode, req.program_id) is None:
                raise _invalid("program_id", f"no points program {req.program_id[:40]!r} for this API key")
            row = await repository.store_of(s, ident.org_id, ident.mode)
            wanted = _full_slug(req.slug, ident.mode) if req.slug else None
            if wanted is None:
                wanted = row.slug if row is not None else _full_slug(_slug_from(req.title), ident.mode)
            if await repository.slug_taken(s, wanted, row.id if row else None):
                raise StorefrontSlugTaken(f"The slug {wanted!r} is taken; choose another.")
            values.update(slug=wanted, program_id=req.program_id, updated_at=now)
            if row is None:
                row = Storefront(id=new_id("sfr"), org_id=ident.org_id, mode=ident.mode, created_at=now, **values)
                await repository.add(s, row)
                created = True
            else:
                await repository.update_store(s, row.id, values)
                row = await repository.store_of(s, ident.org_id, ident.mode)
                assert row is not None
                created = False
            return render_store(row, ctx.settings.public_url), created
    except IntegrityError:
        # A concurrent PUT took the slug (or created this org's store) between the check and the write.
        raise StorefrontSlugTaken("The slug was taken meanwhile, or the store changed concurrently; retry.") from None


async def get_store(ctx: Runtime, ident: Principal) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return render_store(await _store(s, ident), ctx.settings.public_url)


# --- HS256 secrets ------------------------------------------------------------------------------------------


async def create_secret(ctx: Runtime, ident: Principal) -> dict[str, Any]:
    raw = "sfsec_" + random.token_urlsafe(32)  # 256 bits, as RFC 7518 asks of an HS256 key
    async with ctx.db.unit_of_work() as s:
        store = await _store(s, ident)
        if await repository.count_active_secrets(s, store.id) >= MAX_ACTIVE_SECRETS:
            raise TooManySsoSecrets(
                "Retire one first (DELETE /v1/storefront/sso_secrets/{id}): two stay valid at most."
            )
        row = StorefrontSsoSecret(
            id=new_id("sss"),
            storefront_id=store.id,
            secret=ctx.keyring.encrypt(raw),
            redacted=f"sfsec_…{raw[-4:]}",
            created_at=utcnow(),
        )
        await repository.add(s, row)
        return render_secret(row, ident.mode, raw)


async def list_secrets(ctx: Runtime, ident: Principal) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        store = await _store(s, ident)
        rows = await repository.secrets_of(s, store.id, active_only=False)
    return {
        "object": "list",
        "has_more": False,
        "next_cursor": None,
        "data": [render_secret(r, ident.mode) for r in rows],
    }


async def retire_secret(ctx: Runtime, ident: Principal, secret_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work() as s:
        store = await _store(s, ident)
        if not await repository.retire_secret(s, store.id, secret_id, utcnow()):
            raise SsoSecretNotFound(f"No active SSO secret {secret_id[:40]!r} in this store.")
        row = await repository.secret_of(s, store.id, secret_id)
        assert row is not None
        return render_secret(row, ident.mode)


def active_secrets(ctx: Runtime, rows: list[StorefrontSsoSecret]) -> list[tuple[str, str]]:
    return [(r.id, ctx.keyring.decrypt(r.secret)) for r in rows]


# --- session links ------------------------------------------------------------------------------------------


def _allowed(store: Storefront, url: str, field: str) -> str:
    origin = origin_of(url)
    if origin is None or origin not in store.return_origins:
        raise ReturnUrlNotAllowed(
            f"{field}'s origin {origin or url[:80]!r} is not in the store's allowed_return_origins.",
            errors=[{"field": field, "in": "body", "pointer": f"/{field}", "message": "origin not allowed"}],
        )
    return url


async def create_session_link(ctx: Runtime, ident: Principal, req: SessionCreate) -> dict[str, Any]:
    raw = "sfl_" + random.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(seconds=ctx.settings.storefront_link_seconds)
    async with ctx.db.unit_of_work() as s:
        store = await _store(s, ident)
        _allowed(store, req.return_url, "return_url")
        _allowed(store, req.refresh_url, "refresh_url")
        program = await points.program_in(s, store.org_id, store.mode, store.program_id)
        assert program is not None  # a store's program is the org's own; programs are never deleted
        await points.sign_in_member(s, ctx, program, req.member_id, email=req.email, name=req.name, country=req.country)
        link = StorefrontSessionLink(
            id=new_id("sfl"),
            storefront_id=store.id,
            token_hash=ctx.keyring.hash(raw),
            member_id=req.member_id,
            return_url=req.return_url,
            refresh_url=req.refresh_url,
            expires_at=expires,
            created_at=now,
        )
        await repository.add(s, link)
        url = ctx.settings.public_url.rstrip("/") + sessions.path_of(store.slug) + ENTER + raw
    return render_session_link(url, expires, req.member_id)


@dataclass(frozen=True)
class Entered:
    """Where a way in ends: a new session's cookie token, or a redirect (refresh_url), or nothing (404)."""

    token: str | None = None
    redirect: str | None = None
    usable: bool = False  # a HEAD's answer: the link would sign in (and was left unused)


async def enter(ctx: Runtime, slug: str, raw: str, *, spend: bool = True) -> Entered:
    """A session link's landing: sign the member in once; a used or expired link → its refresh_url.
    `spend=False` (a HEAD): the same answer, except that a usable link stays unused (`usable`)."""
    if not raw.startswith("sfl_") or len(raw) > 100 or not raw.isascii():
        return Entered()
    now = utcnow()
    async with ctx.db.unit_of_work(readonly=not spend) as s:
        link = await repository.link_by_hashes(s, ctx.keyring.hashes(raw))
        store = await repository.store_by_slug(s, slug)
        if link is None or store is None or link.storefront_id != store.id:
            return Entered()
        if not spend:
            usable = await repository.link_usable(s, link.id, now)
            return Entered(usable=True) if usable else Entered(redirect=link.refresh_url)
        if not await repository.use_link(s, link.id, now):
            return Entered(redirect=link.refresh_url)
        token = await sessions.start(s, ctx, store, link.member_id, link.return_url, "link")
    return Entered(token=token)


# --- JWT SSO -----------------------------------------------------------------------------------------------


async def verify_jwt(ctx: Runtime, store: Storefront, token: str) -> sso.Claims:
    """The token's claims if its signature and claims hold (an SsoRefused otherwise); writes nothing."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.secrets_of(s, store.id, active_only=True) if "HS256" in store.algorithms else []
    return await sso.verify(ctx, store, token, active_secrets(ctx, rows))


async def sign_in_with_jwt(ctx: Runtime, store: Storefront, token: str) -> str:
    """Verify the token, remember its jti, upsert the member and start a session; the cookie token."""
    claims = await verify_jwt(ctx, store, token)
    try:
        return await _signed_in(ctx, store, claims)
    except Problem as exc:
        exc.signed_by_store = True  # type: ignore[attr-defined]  # the token verified: the customer's own
        raise


async def _signed_in(ctx: Runtime, store: Storefront, claims: sso.Claims) -> str:
    if claims.return_url is not None:
        return_url = _allowed(store, claims.return_url, "return_url")
    else:
        return_url = store.return_origins[0] + "/"
    now = utcnow()
    try:
        async with ctx.db.unit_of_work() as s:
            if await repository.jti_seen(s, store.id, claims.jti):
                raise SsoReplayed()
            expires = max(now, datetime.fromtimestamp(claims.exp, UTC)) + timedelta(seconds=sso.LEEWAY)
            await repository.add(
                s, StorefrontJti(id=new_id("sfj"), storefront_id=store.id, jti=claims.jti, expires_at=expires)
            )
            program = await points.program_in(s, store.org_id, store.mode, store.program_id)
            assert program is not None
            await points.sign_in_member(
                s, ctx, program, claims.sub, email=claims.email, name=claims.name, country=claims.country
            )
            return await sessions.start(s, ctx, store, claims.sub, return_url, "jwt")
    except IntegrityError:
        raise SsoReplayed() from None  # the same jti in a concurrent request: the unique key decided


async def store_row(ctx: Runtime, slug: str) -> Storefront | None:
    if not slug or len(slug) > 48:
        return None
    async with ctx.db.unit_of_work(readonly=True) as s:
        return await repository.store_by_slug(s, slug)


def _hint(token: str) -> dict[str, Any]:
    """sub and jti of a refused token, unverified, for the customer's log: never the token itself."""
    if len(token) > sso.MAX_TOKEN_CHARS:
        return {}  # not worth decoding: sso.verify refused it for its size
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except Exception:  # noqa: BLE001 - a refused token may be anything
        return {}
    return {k: str(claims[k])[:200] for k in ("sub", "jti") if isinstance(claims, dict) and k in claims}


async def record_refusal(ctx: Runtime, store: Storefront, problem: Problem, token: str) -> None:
    """The customer's trace of a refused sign-in: a log line, and a `storefront.sso_failed` event when the
    token was signed with the store's key (expired, replayed, wrong audience, …)."""
    hint = _hint(token)
    log.warning(
        "storefront.sso_refused",
        code=problem.code,
        org_id=store.org_id,
        storefront_id=store.id,
        mode=store.mode,
        **hint,
    )
    if not sso.signed(problem):
        return  # not signed with the store's key: anyone's garbage, which must not write rows on demand
    data = {"storefront_id": store.id, "code": problem.code, "detail": problem.detail, **hint}
    async with ctx.db.unit_of_work() as s:
        await ctx.events.emit(s, store.org_id, store.mode, SSO_FAILED, data, resource_id=store.id)
