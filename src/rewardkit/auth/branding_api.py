"""GET/PATCH /v1/branding: how the organisation's hosted pages (the voucher page) look."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from rewardkit.auth import service
from rewardkit.auth.api import require_identity
from rewardkit.auth.schemas import BrandingOut, BrandingUpdate
from rewardkit.auth.service import Identity
from rewardkit.kit.context import AppContext, get_context
from rewardkit.kit.responses import JSONResponse, respond

router = APIRouter(prefix="/v1")
Ctx = Annotated[AppContext, Depends(get_context)]
Ident = Annotated[Identity, Depends(require_identity)]
_422: dict[int | str, dict[str, Any]] = {422: {"description": "invalid_branding or validation_error"}}


@router.get(
    "/branding",
    tags=["Branding"],
    operation_id="getBranding",
    response_model=BrandingOut,
    response_class=JSONResponse,
)
async def get_branding(request: Request, ident: Ident, ctx: Ctx) -> JSONResponse:
    """The branding of your hosted pages. It belongs to the organisation: the same for test and live keys."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = await service.get_branding(s, ident.org_id)
    return respond(request, found.to_api(), "branding")


@router.patch(
    "/branding",
    tags=["Branding"],
    operation_id="updateBranding",
    response_model=BrandingOut,
    response_class=JSONResponse,
    responses=_422,
)
async def update_branding(request: Request, body: BrandingUpdate, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Change the display name, logo, accent colour or support email; fields not sent are kept, `null` clears."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    async with ctx.db.unit_of_work() as s:
        found = await service.update_branding(s, ident.org_id, changes)
    return respond(request, found.to_api(), "branding")
