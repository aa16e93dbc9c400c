from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from rewardkit.kit.responses import Deleted, ListObject, ResponseModel
from rewardkit.kit.schemas import Flag, Number, RequestModel

# enabled_events: checked against the event types the runtime's modules declare by the service
# (webhooks.service.check_event_types), which also sorts them and drops repeats.


class EndpointCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"url": "https://example.com/hooks/rewardkit", "enabled_events": ["order.fulfilled"]}]
        },
    )

    url: str = Field(min_length=8, max_length=2048)
    enabled_events: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)
    description: str = Field(default="", max_length=500)
    enabled: Flag = True
    ordered: Flag = Field(
        default=False,
        description="Deliver each resource's events one at a time, in sequence order (docs/webhooks.md)",
    )


class EndpointUpdate(RequestModel):
    url: str | None = Field(default=None, min_length=8, max_length=2048)
    enabled_events: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    enabled: Flag | None = None
    ordered: Flag | None = None


class RotateSecret(RequestModel):
    overlap_hours: Annotated[float, Number] = Field(
        default=24, ge=0, le=168, description="How long the old secret keeps signing beside the new one"
    )


class EndpointOut(ResponseModel):
    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    livemode: bool
    url: str
    description: str
    enabled_events: list[str]
    enabled: bool
    ordered: bool
    disabled_reason: str | None
    secret: str | None = Field(default=None, description="Only in the response that created or rotated it")
    api_version: str = Field(
        description="The API version its payloads are written in: the creating request's, for the endpoint's life"
    )
    created_at: datetime
    updated_at: datetime


class AttemptOut(ResponseModel):
    attempt: int
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str | None
    at: datetime


class DeliveryOut(ResponseModel):
    id: str
    object: Literal["webhook_delivery"] = "webhook_delivery"
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempts: list[AttemptOut]
    created_at: datetime


class EventOut(ResponseModel):
    id: str
    object: Literal["event"] = "event"
    type: str
    livemode: bool
    created_at: datetime
    resource_id: str | None = Field(
        description="The object this event is about: ord_…, whe_…, or bal_<currency> for balance events"
    )
    sequence: int | None = Field(
        description="1, 2, 3… among the events of resource_id, in the order its changes committed: "
        "an event with a lower sequence than one already handled is stale"
    )
    data: dict[str, Any]


class EndpointList(ListObject):
    data: list[EndpointOut]


class EndpointDeleted(Deleted):
    object: Literal["webhook_endpoint"] = "webhook_endpoint"


class DeliveryList(ListObject):
    data: list[DeliveryOut]


class EventList(ListObject):
    data: list[EventOut]


class DeliveryQueued(ResponseModel):
    """A delivery just queued (POST …/test, POST /v1/events/{id}/redeliver): the worker sends it."""

    object: Literal["webhook_delivery"] = "webhook_delivery"
    id: str
    event_id: str
    endpoint_id: str
    status: Literal["pending"] = "pending"


class DeliveryQueuedList(ListObject):
    data: list[DeliveryQueued]
