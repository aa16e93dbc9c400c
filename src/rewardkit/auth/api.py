"""The auth domain's routes (the calling session, the org's branding) and request identity.

Every route states which principal kinds it accepts (auth/principals.py):

    ident: Annotated[Principal, Depends(require_api_key)]          # the server API
    ident: Annotated[Principal, Depends(accepts(MEMBER_SESSION))]  # a hosted page's member

A credential of another kind is refused with 403 `principal_not_allowed`, a missing or unknown one
with 401. Credentials come as `Authorization: Bearer …`; the token's prefix says its kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from rewardkit.auth import key_versions, service
from rewardkit.auth.errors import AuthenticationRequired, InvalidApiKey, InvalidSession, PrincipalNotAllowed
from rewardkit.auth.principals import API_KEY, DASHBOARD_USER, LINK_VISITOR, MEMBER_SESSION, Principal
from rewardkit.auth.schemas import ApiKeyOut, ApiKeyUpdate, ApiVersionList, BrandingOut, BrandingUpdate, SessionOut
from rewardkit.auth.service import KeyCache
from rewardkit.kit import versioning
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.ratelimit import STATE_KEY, RateLimited, RateLimiter, TooManyAuthFailures
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.runtime import Runtime, get_runtime

_LABELS = {
    API_KEY: "an API key (Bearer sk_test_… or sk_live_…)",
    MEMBER_SESSION: "a storefront member's session (Bearer mss_…)",
    LINK_VISITOR: "a reward link visitor's session (Bearer lvs_…)",
    DASHBOARD_USER: "a dashboard user's session (Bearer dus_…)",
}


def _bearer(request: Request, kinds: tuple[str, ...]) -> str:
    header = request.headers.get("authorization")
    if not header:
        if kinds == (API_KEY,):
            raise AuthenticationRequired()
        raise AuthenticationRequired(f"Send {' or '.join(_LABELS[k] for k in kinds)} as 'Authorization: Bearer …'.")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationRequired("Use the Bearer scheme: 'Authorization: Bearer sk_test_…'.")
    return raw.strip()


async def _api_key(ctx: Runtime, raw: str) -> Principal:
    cache = ctx.part(KeyCache)
    digest = ctx.keyring.hash(raw)
    ident = cache.get(digest)
    if ident is None:
        async with ctx.db.unit_of_work(readonly=True) as s:
            ident = await service.authenticate(s, ctx.keyring, raw)
        cache.put(digest, ident)
    return ident


def accepts(*kinds: str) -> Callable[[Request], Awaitable[Principal]]:
    """The dependency of a route that accepts these principal kinds."""
    allowed = tuple(kinds)

    async def principal(request: Request) -> Principal:
        # The runtime straight from app.state, not as a sub-dependency: FastAPI's dependency solving
        # costs more per request than the whole key check (cached) does.
        ctx: Runtime = request.app.state.runtime
        raw = _bearer(request, allowed)
        limiter = ctx.part(RateLimiter)
        # The address's failures are checked before the credential is: once at the limit, a right guess
        # is refused like a wrong one, so guessing teaches nothing.
        address = request.client.host if request.client else ""
        wait = await limiter.auth_blocked(address)
        if wait is not None:
            raise TooManyAuthFailures(
                f"Too many failed authentications from your address; retry in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
        claimed = service.session_kind(raw) or API_KEY
        if claimed not in allowed:
            raise PrincipalNotAllowed(
                f"This endpoint accepts {' or '.join(_LABELS[k] for k in allowed)}, not {_LABELS[claimed]}."
            )
        try:
            if claimed == API_KEY:
                ident = await _api_key(ctx, raw)
            else:
                async with ctx.db.unit_of_work(readonly=True) as s:
                    ident = await service.authenticate_session(s, ctx.keyring, raw)
        except (InvalidApiKey, InvalidSession):
            await limiter.auth_failed(address)
            raise
        request.state.identity = ident
        if ident.api_version in versioning.RELEASED and not getattr(request.state, versioning.REQUESTED_KEY, False):
            # No Rewardkit-Version header: the key's pin, not the latest (the header always wins).
            setattr(request.state, versioning.STATE_KEY, ident.api_version)
        quota = await limiter.hit(ident.mode, ident.id)
        if quota is not None:
            request.scope.setdefault("state", {})[STATE_KEY] = quota  # the headers (kit/ratelimit.py)
            if not quota.allowed:
                raise RateLimited(
                    f"This {'API key' if ident.kind == API_KEY else 'session'} may send {quota.limit} requests "
                    f"per {quota.window} s; retry in {quota.reset} s.",
                    headers={"Retry-After": str(quota.reset)},
                )
        return ident

    principal.__name__ = "accepts_" + "_or_".join(allowed)
    return principal


# The server API's dependency (every /v1 route but the session's).
require_api_key = accepts(API_KEY)

router = APIRouter(prefix="/v1", route_class=StrictJSONRoute)


@router.get(
    "/session",
    tags=["Sessions"],
    operation_id="getSession",
    response_model=SessionOut,
    response_class=JSONResponse,
    responses={
        401: {"description": "authentication_required, invalid_session"},
        403: {"description": "principal_not_allowed"},
    },
)
async def get_session(
    request: Request,
    ident: Annotated[Principal, Depends(accepts(MEMBER_SESSION, LINK_VISITOR, DASHBOARD_USER))],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """The calling session: its kind, subject (member, link or user), scopes and expiry. For hosted
    pages and their headless APIs; an API key is refused here (403 `principal_not_allowed`)."""
    body: dict[str, Any] = await service.describe_session(ctx, ident)
    return respond(request, body, "session")


_422: dict[int | str, dict[str, Any]] = {422: {"description": "invalid_branding or validation_error"}}


@router.get(
    "/branding",
    tags=["Branding"],
    operation_id="getBranding",
    response_model=BrandingOut,
    response_class=JSONResponse,
)
async def get_branding(
    request: Request,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """The branding of your hosted pages. It belongs to the organisation: the same for test and live keys."""
    return respond(request, await service.branding_of(ctx, ident.org_id), "branding")


@router.patch(
    "/branding",
    tags=["Branding"],
    operation_id="updateBranding",
    response_model=BrandingOut,
    response_class=JSONResponse,
    responses=_422,
)
async def update_branding(
    request: Request,
    body: BrandingUpdate,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """Change the display name, logo, accent colour or support email; fields not sent are kept, `null` clears."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return respond(request, await service.set_branding(ctx, ident.org_id, changes), "branding")


@router.post(
    "/api_keys/{key_id}",
    tags=["Versions"],
    operation_id="updateApiKey",
    response_model=ApiKeyOut,
    response_class=JSONResponse,
    responses={
        400: {"description": "invalid_api_version: not a version GET /v1/versions lists"},
        404: {"description": "key_not_found: no active key of this org and mode"},
    },
)
async def update_api_key(
    request: Request,
    key_id: str,
    body: ApiKeyUpdate,
    ident: Annotated[Principal, Depends(require_api_key)],
    ctx: Annotated[Runtime, Depends(get_runtime)],
) -> JSONResponse:
    """Pin an API key (this one, or another active key of its org and mode) to a version: its requests
    without a Rewardkit-Version header get that version's shapes from the next request on (other
    processes within api_key_cache_seconds). Upgrade on your timeline: try the new version with the
    header first, then move the pin."""
    return respond(request, await key_versions.update_key_version(ctx, ident, key_id, body.api_version), "api_key")


@router.get(
    "/versions",
    tags=["Versions"],
    operation_id="listApiVersions",
    response_model=ApiVersionList,
    response_class=JSONResponse,
    openapi_extra={"security": []},
)
async def list_api_versions(request: Request) -> JSONResponse:
    """Every API version, newest first, with what each changed (machine-readable; docs/changelog.md
    says the same for people). Public: no credential is needed. Always in the latest shape."""
    return JSONResponse(versioning.listing())
