"""Reward links through the API: a link reserves its value in the ledger when it is made, shows it as
reserved in GET /v1/balances, and gives back what it holds, to the cent, when it is canceled. Every
bad input is a 4xx problem that writes nothing. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import (
    create,
    events_of,
    expiry_job,
    link_body,
    links_of,
    problem,
    statement_types,
    token_of,
    usd,
)


async def test_a_link_reserves_its_value_and_reads_back(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, external_id="thanks-1", metadata={"campaign": "q4"}, reminders=[3, 7])
    assert link["id"].startswith("rwl_") and link["object"] == "reward_link" and link["livemode"] is False
    assert link["status"] == "created" and link["orders"] == []
    assert link["url"].startswith("http://testserver/l/") and link["id"] not in link["url"]
    assert len(token_of(link)) >= 32
    assert link["value"] == {"currency": "USD", "minor_units": 2500, "value": "25.00"}
    assert link["remaining"] == link["value"]
    assert link["recipient"] == {"email": "ada@example.com", "name": "Ada", "phone": None, "country": "US"}
    assert link["choice"] == {"products": ["amazon_us"], "categories": None, "brands": None}
    assert link["reminders"] == [7, 3] and link["metadata"] == {"campaign": "q4"}
    assert [t["status"] for t in link["timeline"]] == ["created"]
    # Default expiry: 90 days.
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(days=89, hours=23) < expires - datetime.now(UTC) <= timedelta(days=90)
    # Reserved, not available.
    assert await usd(client, org) == (7500, 0, 2500)
    assert "link_reserve" in await statement_types(client, org)
    # GET answers the same link, url included (stored encrypted, shown again).
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert got == link
    listed = await links_of(client, org)
    assert [x["id"] for x in listed] == [link["id"]]
    for params, found in (
        ({"status": "created"}, [link["id"]]),
        ({"status": "claimed"}, []),
        ({"external_id": "thanks-1"}, [link["id"]]),
        ({"external_id": "other"}, []),
        ({"created_gte": "2000-01-01T00:00:00Z"}, [link["id"]]),
        ({"created_lte": "2000-01-01T00:00:00Z"}, []),
    ):
        r = await client.get("/v1/reward_links", params=params, headers=org.h())
        assert [x["id"] for x in r.json()["data"]] == found, params
    assert await events_of(client, org, link["id"]) == ["reward_link.created"]
    # The expiry is already queued, in the transaction that made the link.
    job = await expiry_job(ctx, link["id"])
    assert job.kind == "links.expire" and job.run_at == expires


async def test_links_page_by_cursor(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    made = [(await create(client, org))["id"] for _ in range(3)]
    first = (await client.get("/v1/reward_links", params={"limit": 2}, headers=org.h())).json()
    assert first["has_more"] and [x["id"] for x in first["data"]] == made[::-1][:2]
    rest = await client.get("/v1/reward_links", params={"limit": 2, "cursor": first["next_cursor"]}, headers=org.h())
    assert [x["id"] for x in rest.json()["data"]] == [made[0]] and rest.json()["has_more"] is False


PAST = "2020-01-01T00:00:00Z"
BAD_INPUTS = [
    # (case, body changes, status, code)
    ("value allowed by no choice", {"value": 7}, 422, "value_not_allowed"),
    (
        "value of no product in the category",
        {"value": "0.01", "choice": {"categories": ["gift_card"]}},
        422,
        "value_not_allowed",
    ),
    ("value not sold in the recipient's country", {"recipient": {"country": "DE"}}, 422, "value_not_allowed"),
    ("unknown product", {"choice": {"products": ["amazon_us", "no_such_product"]}}, 422, "choice_product_not_found"),
    ("unknown category", {"choice": {"categories": ["nope"]}}, 422, "validation_error"),
    ("two kinds of choice", {"choice": {"products": ["amazon_us"], "brands": ["Amazon"]}}, 422, "validation_error"),
    ("past expiry", {"expires_at": PAST}, 422, "invalid_expiry"),
    ("expiry without a time zone", {"expires_at": "2099-01-01T00:00:00"}, 422, "validation_error"),
    ("bad email", {"recipient": {"email": "ada@@example"}}, 422, "validation_error"),
    ("bad phone", {"recipient": {"phone": "+1555"}}, 422, "validation_error"),
    ("phone not E.164", {"recipient": {"phone": "0155 5555"}}, 422, "validation_error"),
    ("unknown country", {"recipient": {"country": "XX"}}, 422, "validation_error"),
    ("sub-cent value", {"value": "25.001"}, 422, "validation_error"),
    ("value in exponent notation", {"value": "2.5e1"}, 422, "validation_error"),
    ("unknown currency", {"currency": "XYZ"}, 422, "validation_error"),
    (
        "email delivery without an email",
        {"delivery": "email", "recipient": {"name": "Ada"}},
        422,
        "delivery_recipient_missing",
    ),  # fmt: skip
    ("sms delivery without a phone", {"delivery": "sms"}, 422, "delivery_recipient_missing"),
    ("more than the wallet holds", {"value": 200}, 402, "insufficient_funds"),
    (
        "no wallet in the currency (links never convert)",
        {"currency": "EUR", "choice": {"products": ["airbnb_de"]}, "recipient": {"country": "DE"}},
        402,
        "insufficient_funds",
    ),
    ("unknown field", {"colour": "red"}, 422, "validation_error"),
]


@pytest.mark.parametrize(("case", "change", "status", "code"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
async def test_every_bad_input_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, case: str, change: dict[str, Any], status: int, code: str
) -> None:
    org = await make_org(USD="100.00")
    body = {k: v for k, v in {**link_body(), **change}.items() if v is not None}
    problem(await client.post("/v1/reward_links", json=body, headers=org.h()), status, code)
    assert await links_of(client, org) == []
    assert await usd(client, org) == (10000, 0, 0)
    assert await statement_types(client, org) == ["funding"]
    events = (await client.get("/v1/events", headers=org.h())).json()["data"]
    assert [e for e in events if e["type"].startswith("reward_link.")] == []


async def test_live_links_last_at_least_a_day_test_links_any_future_time(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(mode="live", USD="100.00")
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    problem(
        await client.post("/v1/reward_links", json=link_body(expires_at=soon), headers=org.h("live")),
        422,
        "invalid_expiry",
    )
    test_org = await make_org(USD="100.00")
    link = await create(client, test_org, expires_at=soon)
    assert datetime.fromisoformat(link["expires_at"]) == datetime.fromisoformat(soon)
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    problem(
        await client.post("/v1/reward_links", json=link_body(expires_at=far), headers=test_org.h()),
        422,
        "invalid_expiry",
    )


async def test_cancel_gives_back_the_reservation_to_the_cent_once(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, value="10.00", choice={"categories": ["gift_card"]})
    assert await usd(client, org) == (9000, 0, 1000)
    r = await client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h())
    assert r.status_code == 200, r.text
    canceled = r.json()
    assert canceled["status"] == "canceled" and canceled["remaining"]["minor_units"] == 0
    assert [t["status"] for t in canceled["timeline"]] == ["created", "canceled"]
    assert await usd(client, org) == (10000, 0, 0)
    again = problem(
        await client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h()), 409, "reward_link_not_cancelable"
    )
    assert again["link_status"] == "canceled"
    assert await usd(client, org) == (10000, 0, 0)
    assert (await statement_types(client, org)).count("link_release") == 1
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.canceled"]
    # The expiry job is stopped: it will never run for this link.
    assert (await expiry_job(ctx, link["id"])).status != "queued"
    problem(await client.post(f"/v1/reward_links/rwl_{'0' * 26}/cancel", headers=org.h()), 404, "reward_link_not_found")


async def test_an_idempotency_key_makes_one_link(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    h = org.h(**{"Idempotency-Key": "link-key-1"})
    first = await client.post("/v1/reward_links", json=link_body(), headers=h)
    again = await client.post("/v1/reward_links", json=link_body(), headers=h)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    assert len(await links_of(client, org)) == 1 and await usd(client, org) == (7500, 0, 2500)
    other = await client.post("/v1/reward_links", json=link_body(value=10), headers=h)
    problem(other, 422, "idempotency_key_reused")
    # A refused request frees its key: the corrected retry runs.
    h2 = org.h(**{"Idempotency-Key": "link-key-2"})
    problem(await client.post("/v1/reward_links", json=link_body(value=7), headers=h2), 422, "value_not_allowed")
    ok = await client.post("/v1/reward_links", json=link_body(value=7), headers=h2)
    problem(ok, 422, "value_not_allowed")  # the same body replays nothing: it is simply refused again
    assert len(await links_of(client, org)) == 1
