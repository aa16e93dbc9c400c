"""A newer server than the SDK: an unknown status, event type or problem code, an unknown field, an
unknown variant of a oneOf all parse (kept as they came), never an exception (the crashes of
tremendous-python#129 and apify-client-python#931)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from rewardkit_sdk import APIError, Client, InvalidRequest, NotFound, ServerError, models

from tests.sdk.test_retry import ORDER


def serving(body: Any, status: int = 200, content_type: str = "application/json") -> Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers={"Content-Type": content_type})
        return httpx.Response(status, json=body, headers={"Request-Id": "req_new"})

    return Client("sk_test_x", base_url="http://standin", transport=httpx.MockTransport(answer), max_retries=0)


def test_an_unknown_status_and_unknown_fields_are_kept() -> None:
    newer = {**ORDER, "status": "on_hold", "hold_reason": "review", "charged": {**ORDER["charged"], "tax": 3}}
    order = serving(newer).orders.get("ord_1")
    assert order.status == "on_hold"
    assert order.model_extra == {"hold_reason": "review"}
    assert order.charged.model_extra == {"tax": 3}
    assert order.model_dump()["hold_reason"] == "review"


def test_an_unknown_event_type_parses() -> None:
    event = {"id": "evt_1", "object": "event", "type": "order.teleported", "livemode": False, "resource_id": None,
             "created_at": "2026-11-01T00:00:00Z", "sequence": 1, "data": {"anything": True},
             "origin": "new"}  # fmt: skip
    parsed = serving(event).events.get("evt_1")
    assert parsed.type == "order.teleported" and parsed.model_extra == {"origin": "new"}


def test_a_new_variant_of_a_oneof_is_kept_as_a_dict() -> None:
    product = dict(id="p", object="product", name="P", brand="B", category="c", countries=["US"], currency="USD",
                   description="", redemption_instructions="", terms="", image_url=None, validity_days=None,
                   denominations={"type": "tiered", "tiers": [1, 2]})  # fmt: skip  # noqa: C408
    parsed = models.ProductOut.model_validate(product)
    assert parsed.denominations == {"type": "tiered", "tiers": [1, 2]}
    known = models.ProductOut.model_validate({**product, "denominations": {"type": "fixed", "values": ["10.00"]}})
    assert isinstance(known.denominations, models.FixedDenominationsOut)


def test_an_unknown_problem_code_is_still_typed_by_status() -> None:
    body = {"type": "/problems/brand_new", "title": "New", "status": 404, "detail": "d", "code": "brand_new",
            "request_id": "req_new"}  # fmt: skip
    with pytest.raises(NotFound) as raised:
        serving(body, 404).orders.get("ord_1")
    assert raised.value.code == "brand_new" and raised.value.request_id == "req_new"
    with pytest.raises(InvalidRequest):
        serving({**body, "status": 418}, 418).orders.get("ord_1")


def test_an_error_that_is_not_a_problem_is_typed_without_a_code() -> None:
    with pytest.raises(ServerError) as raised:
        serving(b"<html>Bad gateway</html>", 502, "text/html").orders.get("ord_1")
    assert raised.value.status == 502 and raised.value.code is None and raised.value.problem == {}
    assert isinstance(raised.value, APIError)
