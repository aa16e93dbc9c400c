"""A member's browser session in a store: what the store's pages (part B, storefront/pages.py) call.

The cookie is ``rk_store``, one per store: its ``Path`` is ``/s/{slug}``, so a browser signed in to two
stores holds two cookies and sends each only to its own store. Its value is the member session's
bearer token (``mss_…``, auth's principal_sessions, stored there only as an HMAC); ``HttpOnly``,
``SameSite=Lax``, ``Secure`` unless ``storefront_cookie_secure`` is off (local http).

Timeouts: the principal session expires at the absolute timeout (``storefront_session_max_seconds``);
the idle timeout (``storefront_session_idle_seconds``) is measured from ``last_seen_at``, which a visit
moves forward at most once a minute (a write per page view would be the store's busiest query).

CSRF: every form of a session carries ``Visit.csrf`` (the keyring's HMAC of the session id);
``csrf_ok`` checks it under every key of the keyring, so a key rotation signs nobody out.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit import web
from rewardkit.auth import service as auth
from rewardkit.auth.errors import InvalidSession
from rewardkit.auth.principals import MEMBER_SESSION, Principal
from rewardkit.kit.db import utcnow
from rewardkit.storefront import repository
from rewardkit.storefront.errors import SignInRequired
from rewardkit.storefront.models import Storefront, StorefrontSession

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

COOKIE = "rk_store"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is moved at most this often


@dataclass(frozen=True)
class Store:
    """What the pages need of a store (its storefronts row)."""

    id: str
    slug: str
    org_id: str
    mode: str
    program_id: str
    title: str
    frame: web.Frame  # the org's branding with the store's overrides applied
    include_categories: tuple[str, ...]
    exclude_categories: tuple[str, ...]
    include_products: tuple[str, ...]
    exclude_products: tuple[str, ...]
    frame_ancestors: tuple[str, ...]
    # The store's allowed_return_origins: sign-out's 303 goes there, and a browser applies the page's CSP
    # form-action to a form's redirects too, so the pages must name them (page_kit.html).
    return_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Visit:
    store: Store
    principal: Principal  # kind member_session, the store's org and mode, subject = member_id
    member_id: str
    session_id: str
    return_url: str
    csrf: str  # the value every form of this session must carry


def path_of(slug: str) -> str:
    return f"/s/{slug}"


def frame_of(branding: auth.Branding, overrides: dict[str, str | None]) -> web.Frame:
    """The org's frame with the store's branding overrides (already validated, API names)."""
    b = auth.Branding(
        org_id=branding.org_id,
        org_name=branding.org_name,
        display_name=overrides.get("display_name") or branding.display_name,
        logo_url=overrides.get("logo_url") or branding.logo_url,
        accent_color=overrides.get("accent_color") or branding.accent_color,
        support_email=overrides.get("support_email") or branding.support_email,
    )
    return web.Frame(
        name=b.name,
        logo_url=b.logo_url,
        logo_origin=b.logo_origin,
        accent=b.accent,
        accent_text=b.accent_text,
        support_email=b.support_email,
    )


async def store_view(s: AsyncSession, row: Storefront) -> Store:
    branding = await auth.get_branding(s, row.org_id)
    return Store(
        id=row.id,
        slug=row.slug,
        org_id=row.org_id,
        mode=row.mode,
        program_id=row.program_id,
        title=row.title,
        frame=frame_of(branding, row.branding or {}),
        include_categories=tuple(row.categories.get("include", [])),
        exclude_categories=tuple(row.categories.get("exclude", [])),
        include_products=tuple(row.products.get("include", [])),
        exclude_products=tuple(row.products.get("exclude", [])),
        frame_ancestors=tuple(row.frame_ancestors),
        return_origins=tuple(row.return_origins),
    )


async def store_by_slug(ctx: Runtime, slug: str) -> Store | None:
    if not slug or len(slug) > 48:
        return None
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = await repository.store_by_slug(s, slug)
        return await store_view(s, row) if row is not None else None


def csrf_of(ctx: Runtime, session_id: str) -> str:
    return ctx.keyring.hash(f"storefront-form:{session_id}")


def csrf_ok(ctx: Runtime, visit: Visit, given: str) -> bool:
    if not given or len(given) > 128:
        return False
    return any(hmac.compare_digest(h, given) for h in ctx.keyring.hashes(f"storefront-form:{visit.session_id}"))


def _alive(row: StorefrontSession | None, store_id: str, now: datetime, idle: timedelta) -> bool:
    return (
        row is not None
        and row.storefront_id == store_id
        and row.ended_at is None
        and row.expires_at > now
        and row.last_seen_at + idle > now
    )


async def visit(request: Request, slug: str) -> Visit:
    """The signed-in member of this store, from the cookie; raises SignInRequired (401
    `storefront_session_required`) when it is absent, expired (idle or absolute), ended, or another store's."""
    ctx: Runtime = request.app.state.runtime
    raw = request.cookies.get(COOKIE, "")
    if auth.session_kind(raw) != MEMBER_SESSION:
        raise SignInRequired()
    now = utcnow()
    idle = timedelta(seconds=ctx.settings.storefront_session_idle_seconds)
    async with ctx.db.unit_of_work(readonly=True) as s:
        try:
            principal = await auth.authenticate_session(s, ctx.keyring, raw)
        except InvalidSession:
            raise SignInRequired() from None
        row = await repository.store_by_slug(s, slug)
        if row is None or principal.org_id != row.org_id or principal.mode != row.mode:
            raise SignInRequired()
        state = await repository.member_session(s, principal.id)
        if state is None or not _alive(state, row.id, now, idle):
            raise SignInRequired()
        store = await store_view(s, row)
    if now - state.last_seen_at >= TOUCH_EVERY:
        async with ctx.db.unit_of_work() as s:
            await repository.touch_session(s, state.id, now)
    return Visit(
        store=store,
        principal=principal,
        member_id=state.member_id,
        session_id=state.id,
        return_url=state.return_url,
        csrf=csrf_of(ctx, state.id),
    )


async def sign_out(ctx: Runtime, visit: Visit) -> str:
    """End the session (both its principal session and the store's state); returns where to send the
    browser: the customer's return_url."""
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        await auth.revoke_session(s, visit.session_id)
        await repository.end_session(s, visit.session_id, now)
    return visit.return_url


async def start(s: AsyncSession, ctx: Runtime, store: Storefront, member_id: str, return_url: str, via: str) -> str:
    """A new member session in the caller's transaction; returns its token (the cookie's value)."""
    max_age = timedelta(seconds=ctx.settings.storefront_session_max_seconds)
    issued = await auth.create_session(
        s,
        ctx.keyring,
        MEMBER_SESSION,
        store.org_id,
        store.mode,
        member_id,
        scopes=frozenset({f"storefront:{store.id}"}),
        ttl=max_age,
    )
    now = utcnow()
    await repository.add(
        s,
        StorefrontSession(
            id=issued.row.id,
            storefront_id=store.id,
            member_id=member_id,
            return_url=return_url,
            via=via,
            last_seen_at=now,
            expires_at=issued.row.expires_at,
            created_at=now,
        ),
    )
    return issued.secret


def set_cookie(ctx: Runtime, response: Response, slug: str, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=ctx.settings.storefront_session_max_seconds,
        path=path_of(slug),
        secure=ctx.settings.storefront_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(ctx: Runtime, response: Response, slug: str) -> None:
    """For sign-out's response: the browser forgets the cookie (the session is already ended)."""
    response.delete_cookie(
        COOKIE, path=path_of(slug), secure=ctx.settings.storefront_cookie_secure, httponly=True, samesite="lax"
    )
