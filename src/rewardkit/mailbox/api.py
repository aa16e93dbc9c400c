"""The email templates API: an org's own subject, text and HTML per email kind (docs/email.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.mailbox import service
from rewardkit.mailbox.schemas import EmailTemplateOut, EmailTemplateReplace, Kind
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/v1", route_class=StrictJSONRoute)
Ctx = Annotated[Runtime, Depends(get_runtime)]
Ident = Annotated[Principal, Depends(require_api_key)]
_422: dict[int | str, dict[str, Any]] = {422: {"description": "email_template_invalid or validation_error"}}


@router.get(
    "/email_templates/{kind}",
    tags=["Email"],
    operation_id="getEmailTemplate",
    response_model=EmailTemplateOut,
    response_class=JSONResponse,
)
async def get_email_template(request: Request, kind: Kind, ident: Ident, ctx: Ctx) -> JSONResponse:
    """The templates of one kind of email (link, reminder, otp) your organisation's emails use: your own
    where you saved them, the built-in ones otherwise; the same for test and live keys."""
    return respond(request, await service.email_template(ctx, ident.org_id, kind), "email_template")


@router.put(
    "/email_templates/{kind}",
    tags=["Email"],
    operation_id="replaceEmailTemplate",
    response_model=EmailTemplateOut,
    response_class=JSONResponse,
    responses=_422,
)
async def replace_email_template(
    request: Request, kind: Kind, body: EmailTemplateReplace, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Use your own subject, text or HTML template for one kind of email; a part not sent is the built-in
    one. Each is rendered with sample values first: one that does not render is refused (422
    `email_template_invalid`, naming the part) and nothing is saved."""
    parts = {"subject": body.subject, "text": body.text, "html": body.html}
    return respond(request, await service.replace_email_template(ctx, ident.org_id, kind, parts), "email_template")


@router.delete(
    "/email_templates/{kind}",
    tags=["Email"],
    operation_id="deleteEmailTemplate",
    response_model=EmailTemplateOut,
    response_class=JSONResponse,
)
async def delete_email_template(request: Request, kind: Kind, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Go back to the built-in templates of one kind of email (a no-op when they are in use already)."""
    return respond(request, await service.reset_email_template(ctx, ident.org_id, kind), "email_template")
