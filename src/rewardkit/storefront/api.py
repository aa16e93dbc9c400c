"""Routes of the storefront's server API (API keys): the store's settings, session links, SSO secrets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.storefront import service
from rewardkit.storefront.schemas import (
    SessionCreate,
    SessionLinkOut,
    SsoSecretList,
    SsoSecretOut,
    StorefrontOut,
    StorefrontPut,
)

router = APIRouter(prefix="/v1", tags=["Storefront"], route_class=StrictJSONRoute)

Ident = Annotated[Principal, Depends(require_api_key)]
Ctx = Annotated[Runtime, Depends(get_runtime)]
SecretId = Annotated[str, Path(max_length=40, description="The SSO secret's id (sss_…)")]
_404: dict[int | str, dict[str, Any]] = {404: {"description": "storefront_not_found"}}


@router.put(
    "/storefront",
    operation_id="putStorefront",
    response_class=JSONResponse,
    response_model=StorefrontOut,
    response_description="The store, created or replaced",
    responses={
        409: {"description": "storefront_slug_taken"},
        422: {"description": "validation_error, invalid_storefront, invalid_branding"},
    },
)
async def put_storefront(request: Request, body: StorefrontPut, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Configure the store of this mode (one per org and mode): every setting is replaced, except the
    slug, which is kept when omitted. The answer carries the store's `slug` and `sso_audience`."""
    store, _ = await service.put_store(ctx, ident, body)
    return respond(request, store, "storefront")


@router.get(
    "/storefront",
    operation_id="getStorefront",
    response_class=JSONResponse,
    response_model=StorefrontOut,
    responses=_404,
)
async def get_storefront(request: Request, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.get_store(ctx, ident), "storefront")


@router.post(
    "/storefront/sessions",
    operation_id="createStorefrontSession",
    response_class=JSONResponse,
    response_model=SessionLinkOut,
    response_description="A single-use sign-in URL, valid for 5 minutes",
    responses={
        404: {"description": "storefront_not_found"},
        422: {"description": "validation_error, return_url_not_allowed"},
    },
)
async def create_storefront_session(request: Request, body: SessionCreate, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Sign your user in to the store (the recommended way): the member is created or updated from
    `email`, `name` and `country`; send the browser (top-level) to `url` at once. A used or expired URL
    sends the browser to `refresh_url`, where your server makes a new one."""
    return respond(request, await service.create_session_link(ctx, ident, body), "storefront_session")


@router.post(
    "/storefront/sso_secrets",
    operation_id="createStorefrontSsoSecret",
    response_class=JSONResponse,
    response_model=SsoSecretOut,
    response_description="The new secret; `secret` is in this answer only",
    responses={404: {"description": "storefront_not_found"}, 409: {"description": "too_many_sso_secrets"}},
)
async def create_storefront_sso_secret(request: Request, ident: Ident, ctx: Ctx) -> JSONResponse:
    """A secret to sign HS256 sign-in JWTs with. Two may be active at once (a rotation: create the new
    one, sign with it, then retire the old one)."""
    return respond(request, await service.create_secret(ctx, ident), "storefront_sso_secret")


@router.get(
    "/storefront/sso_secrets",
    operation_id="listStorefrontSsoSecrets",
    response_class=JSONResponse,
    response_model=SsoSecretList,
    response_description="The store's secrets, retired ones included, oldest first (never the secret itself)",
    responses=_404,
)
async def list_storefront_sso_secrets(request: Request, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.list_secrets(ctx, ident), "list")


@router.delete(
    "/storefront/sso_secrets/{secret_id}",
    operation_id="deleteStorefrontSsoSecret",
    response_class=JSONResponse,
    response_model=SsoSecretOut,
    response_description="The secret, retired: tokens signed with it are refused from now on",
    responses={404: {"description": "storefront_not_found, sso_secret_not_found"}},
)
async def delete_storefront_sso_secret(request: Request, secret_id: SecretId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.retire_secret(ctx, ident, secret_id), "storefront_sso_secret")
