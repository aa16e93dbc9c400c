from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import Field

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit import versioning
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.params import DateTimeParam
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.kit.schemas import RequestModel
from rewardkit.runtime import Runtime, get_runtime
from rewardkit.webhooks import service
from rewardkit.webhooks.schemas import (
    DeliveryList,
    DeliveryQueued,
    DeliveryQueuedList,
    EndpointCreate,
    EndpointDeleted,
    EndpointList,
    EndpointOut,
    EndpointUpdate,
    EventList,
    EventOut,
    RotateSecret,
)

router = APIRouter(prefix="/v1", route_class=StrictJSONRoute)
Ctx = Annotated[Runtime, Depends(get_runtime)]
Ident = Annotated[Principal, Depends(require_api_key)]
_404: dict[int | str, dict[str, Any]] = {404: {"description": "webhook_endpoint_not_found"}}


class Redeliver(RequestModel):
    endpoint_id: str | None = Field(
        default=None, description="Only this endpoint; default: every endpoint that wants it"
    )


@router.post(
    "/webhook_endpoints",
    tags=["Webhooks"],
    operation_id="createWebhookEndpoint",
    response_model=EndpointOut,
    response_class=JSONResponse,
    responses={
        409: {"description": "webhook_endpoint_limit_reached: the org has its mode's maximum of endpoints"},
        422: {"description": "invalid_webhook_url, unknown_event_type, validation_error"},
    },
)
async def create_endpoint(request: Request, body: EndpointCreate, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Register a URL to receive events. The `secret` (whsec_…) is shown only in this response."""
    # Its payloads keep the version this request was answered in (the header, or the key's pin).
    version = getattr(request.state, versioning.STATE_KEY, versioning.LATEST)
    return respond(request, await service.create_endpoint(ctx, ident, body, version), "webhook_endpoint")


@router.get(
    "/webhook_endpoints",
    tags=["Webhooks"],
    operation_id="listWebhookEndpoints",
    response_model=EndpointList,
    response_class=JSONResponse,
)
async def list_endpoints(
    request: Request, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    """The org's endpoints in this mode, oldest first."""
    return respond(request, await service.list_endpoints(ctx, ident, cursor=cursor, limit=limit), "list")


@router.get(
    "/webhook_endpoints/{endpoint_id}",
    tags=["Webhooks"],
    operation_id="getWebhookEndpoint",
    response_model=EndpointOut,
    response_class=JSONResponse,
    responses=_404,
)
async def get_endpoint(request: Request, endpoint_id: str, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(
        request, service.render_endpoint(await service.get_endpoint(ctx, ident, endpoint_id)), "webhook_endpoint"
    )


@router.patch(
    "/webhook_endpoints/{endpoint_id}",
    tags=["Webhooks"],
    operation_id="updateWebhookEndpoint",
    response_model=EndpointOut,
    response_class=JSONResponse,
    responses={**_404, 422: {"description": "invalid_webhook_url, unknown_event_type, validation_error"}},
)
async def update_endpoint(
    request: Request, endpoint_id: str, body: EndpointUpdate, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Change the URL, events, description, or enable/disable it (enabling clears a disabled reason)."""
    return respond(request, await service.update_endpoint(ctx, ident, endpoint_id, body), "webhook_endpoint")


@router.delete(
    "/webhook_endpoints/{endpoint_id}",
    tags=["Webhooks"],
    operation_id="deleteWebhookEndpoint",
    response_model=EndpointDeleted,
    response_class=JSONResponse,
    responses=_404,
)
async def delete_endpoint(request: Request, endpoint_id: str, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.delete_endpoint(ctx, ident, endpoint_id), "webhook_endpoint")


@router.post(
    "/webhook_endpoints/{endpoint_id}/rotate_secret",
    tags=["Webhooks"],
    operation_id="rotateWebhookSecret",
    response_model=EndpointOut,
    response_class=JSONResponse,
    responses=_404,
)
async def rotate_secret(
    request: Request, endpoint_id: str, ident: Ident, ctx: Ctx, body: Annotated[RotateSecret | None, Body()] = None
) -> JSONResponse:
    """A new secret, shown once. The old one keeps signing beside it for `overlap_hours` (default 24):
    during the overlap every delivery carries both signatures."""
    overlap = (body or RotateSecret()).overlap_hours
    return respond(request, await service.rotate_secret(ctx, ident, endpoint_id, overlap), "webhook_endpoint")


@router.post(
    "/webhook_endpoints/{endpoint_id}/test",
    tags=["Webhooks"],
    operation_id="testWebhookEndpoint",
    response_model=DeliveryQueued,
    response_class=JSONResponse,
    responses=_404,
)
async def test_endpoint(request: Request, endpoint_id: str, ident: Ident, ctx: Ctx) -> JSONResponse:
    """Send a `webhook.test` event to this endpoint now."""
    return respond(request, await service.send_test(ctx, ident, endpoint_id), "webhook_delivery")


@router.get(
    "/webhook_endpoints/{endpoint_id}/deliveries",
    tags=["Webhooks"],
    operation_id="listWebhookDeliveries",
    response_model=DeliveryList,
    response_class=JSONResponse,
    responses=_404,
)
async def list_deliveries(
    request: Request,
    endpoint_id: str,
    ident: Ident,
    ctx: Ctx,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Every delivery to this endpoint, newest first, with each attempt's status, latency and response excerpt."""
    return respond(request, await service.list_deliveries(ctx, ident, endpoint_id, cursor=cursor, limit=limit), "list")


@router.get(
    "/events",
    tags=["Events"],
    operation_id="listEvents",
    response_model=EventList,
    response_description="Events, newest first",
    response_class=JSONResponse,
)
async def list_events(
    request: Request,
    ident: Ident,
    ctx: Ctx,
    type: Annotated[list[str] | None, Query(description="One or more event types")] = None,
    created_gte: Annotated[DateTimeParam | None, Query()] = None,
    created_lte: Annotated[DateTimeParam | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    """Everything that happened, kept at least 30 days: a missed webhook can always be fetched here."""
    body = await service.list_events(
        ctx,
        ident,
        types=type,
        created_gte=created_gte,
        created_lte=created_lte,
        cursor=cursor,
        limit=limit,
    )
    return respond(request, body, "list")


@router.get(
    "/events/{event_id}",
    tags=["Events"],
    operation_id="getEvent",
    response_model=EventOut,
    response_class=JSONResponse,
    responses={404: {"description": "event_not_found"}},
)
async def get_event(request: Request, event_id: str, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await service.get_event(ctx, ident, event_id), "event")


@router.post(
    "/events/{event_id}/redeliver",
    tags=["Events"],
    operation_id="redeliverEvent",
    response_model=DeliveryQueuedList,
    response_description="The deliveries queued, one per endpoint",
    response_class=JSONResponse,
    responses={404: {"description": "event_not_found, webhook_endpoint_not_found"}},
)
async def redeliver_event(
    request: Request, event_id: str, ident: Ident, ctx: Ctx, body: Annotated[Redeliver | None, Body()] = None
) -> JSONResponse:
    """Send an event again, to one endpoint or to every endpoint that subscribes to it."""
    return respond(request, await service.redeliver(ctx, ident, event_id, (body or Redeliver()).endpoint_id), "list")
