"""`limit` is honoured on every list operation: at most `limit` items, a next_cursor that continues the
list, and a limit out of range is a 422 naming the field (docs/api.md, Pagination)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body

OPERATOR_TOKEN = "op_list_limits_token"


@dataclass(frozen=True)
class Listing:
    path: str
    max_limit: int = 100
    at_least_two: bool = True  # the fixture's org has two or more items in it


LISTS = [
    Listing("/v1/orders"),
    Listing("/v1/products"),
    Listing("/v1/categories"),
    Listing("/v1/countries", max_limit=250),
    Listing("/v1/balances"),
    Listing("/v1/balance_transactions"),
    Listing("/v1/webhook_endpoints"),
    Listing("/v1/webhook_endpoints/{endpoint_id}/deliveries"),
    Listing("/v1/events"),
    Listing("/v1/reward_links"),
    Listing("/v1/reward_links/{link_id}/deliveries"),
    Listing("/v1/points_programs"),
    Listing("/v1/points_programs/{program_id}/members"),
    Listing("/v1/points_programs/{program_id}/members/{member_id}/transactions"),
    Listing("/v1/points_programs/{program_id}/rules"),
    Listing("/v1/points_programs/{program_id}/activities"),
    Listing("/v1/reports"),
    Listing("/v1/report_schedules"),
    Listing("/v1/reconciliations"),
    Listing("/v1/reconciliations/{reconciliation_id}/lines"),
    Listing("/v1/inventory", at_least_two=False),  # operator-wide: whatever stock other tests left
]


def ident(item: dict[str, object]) -> object:
    # By id where there is one: an order's status may move on between two reads.
    return item.get("id", item.get("currency") if "product_id" not in item else item)


@dataclass
class World:
    org: OrgHandle
    endpoint_id: str
    link_id: str
    program_id: str = ""
    member_id: str = "user_1"
    reconciliation_id: str = ""

    def url(self, listing: Listing) -> str:
        return listing.path.format(
            endpoint_id=self.endpoint_id,
            link_id=self.link_id,
            program_id=self.program_id,
            member_id=self.member_id,
            reconciliation_id=self.reconciliation_id,
        )

    def headers(self, listing: Listing) -> dict[str, str]:
        extra = {"X-Operator-Token": OPERATOR_TOKEN} if listing.path == "/v1/inventory" else {}
        return self.org.h(**extra)


@pytest.fixture
async def world(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(ctx.settings, "operator_token", OPERATOR_TOKEN)
    org = await make_org(USD="500.00", EUR="500.00")
    endpoints = [
        (await client.post("/v1/webhook_endpoints", json={"url": f"http://127.0.0.1:9/{n}"}, headers=org.h())).json()
        for n in range(2)
    ]
    for _ in range(2):
        r = await client.post(f"/v1/webhook_endpoints/{endpoints[0]['id']}/test", headers=org.h())
        assert r.status_code == 200
        r = await client.post("/v1/orders", json=order_body(), headers=org.h())
        assert r.status_code in (200, 201, 202), r.text
        link = {"value": 10, "currency": "USD", "choice": {"products": ["amazon_us"]},
                "recipient": {"email": "ada@example.com"}}  # fmt: skip
        r = await client.post("/v1/reward_links", json=link, headers=org.h())
        assert r.status_code == 200, r.text
    link_id = r.json()["id"]
    for _ in range(2):  # two deliveries (resends by email, queued)
        resent = await client.post(f"/v1/reward_links/{link_id}/resend", headers=org.h())
        assert resent.status_code == 200, resent.text
    programs = [
        (
            await client.post(
                "/v1/points_programs",
                json={"name": f"P{n}", "currency": "USD", "points_per_unit": 100},
                headers=org.h(),
            )
        ).json()
        for n in range(2)
    ]
    member = f"/v1/points_programs/{programs[0]['id']}/members/user_1"
    assert (await client.put(member, json={}, headers=org.h())).status_code == 200
    assert (await client.put(member[:-1] + "2", json={}, headers=org.h())).status_code == 200  # two members
    for n in range(2):
        r = await client.post(member + "/credits", json={"points": 5, "reference": f"r{n}"}, headers=org.h())
        assert r.status_code == 200, r.text
    program = f"/v1/points_programs/{programs[0]['id']}"
    for n in range(2):  # #14: two earning rules and two activities
        rule = {"event_type": "task.done", "points": {"fixed": 1}}
        assert (await client.post(program + "/rules", json=rule, headers=org.h())).status_code == 200
        act = {"member_id": "user_1", "event_type": "task.done", "reference": f"a{n}"}
        assert (await client.post(program + "/activities", json=act, headers=org.h())).status_code == 200
    now = datetime.now(UTC)
    start, end = ((now - timedelta(days=d)).isoformat().replace("+00:00", "Z") for d in (2, 1))
    run = {"type": "balance_summary", "interval_start": start, "interval_end": end}
    schedule = {"type": "balance_summary", "frequency": "daily", "timezone": "UTC"}
    for _ in range(2):  # two report runs (a past interval) and two schedules
        r = await client.post("/v1/reports", json=run, headers=org.h())
        assert r.status_code == 200, r.text
        r = await client.post("/v1/report_schedules", json=schedule, headers=org.h())
        assert r.status_code == 200, r.text
    # Two reconciliations of a statement with two lines the sandbox never fulfilled for us (missing_here).
    rows = ["supplier_ref,face_value,currency,fulfilled_at", "not_ours_1,10.00,USD,2026-01-05"]
    rows.append("not_ours_2,20.00,USD,2026-01-06")
    csv = ("\n".join(rows) + "\n").encode()
    for _ in range(2):
        r = await client.post(
            "/v1/reconciliations", params={"supplier": "sandbox"}, content=csv,
            headers=org.h(**{"Content-Type": "text/csv"}),
        )  # fmt: skip
        assert r.status_code == 200, r.text
    return World(org, endpoints[0]["id"], link_id, programs[0]["id"], reconciliation_id=r.json()["id"])


def test_every_list_operation_is_covered(app: FastAPI) -> None:
    listed = {
        path
        for path, ops in app.openapi()["paths"].items()
        if "get" in ops
        and ops["get"]["operationId"].startswith("list")
        # Paged lists only: GET /v1/versions answers every version at once (no limit, no cursor).
        and any(p.get("name") == "limit" for p in ops["get"].get("parameters", []))
    }
    assert listed == {x.path for x in LISTS}


@pytest.mark.parametrize("listing", LISTS, ids=lambda x: x.path)
async def test_limit_one_returns_one_item_and_a_cursor_to_the_next(
    client: httpx.AsyncClient, world: World, listing: Listing
) -> None:
    url, headers = world.url(listing), world.headers(listing)
    first = await client.get(url, params={"limit": 1}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["object"] == "list" and len(body["data"]) <= 1
    if listing.at_least_two:
        assert body["has_more"] is True and body["next_cursor"]
    if body["has_more"]:
        second = (await client.get(url, params={"limit": 1, "cursor": body["next_cursor"]}, headers=headers)).json()
        assert len(second["data"]) == 1 and ident(second["data"][0]) != ident(body["data"][0])
        # Two pages of one are the first two items of a page of two.
        both = (await client.get(url, params={"limit": 2}, headers=headers)).json()["data"]
        assert [ident(x) for x in both] == [ident(body["data"][0]), ident(second["data"][0])]
    else:
        assert body["next_cursor"] is None


@pytest.mark.parametrize("listing", LISTS, ids=lambda x: x.path)
@pytest.mark.parametrize("too_far", ["0", "above"])
async def test_limit_out_of_range_is_a_422_naming_limit(
    client: httpx.AsyncClient, world: World, listing: Listing, too_far: str
) -> None:
    limit = str(listing.max_limit + 1) if too_far == "above" else too_far
    r = await client.get(world.url(listing), params={"limit": limit}, headers=world.headers(listing))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "validation_error"
    assert [(e["field"], e["in"]) for e in body["errors"]] == [("limit", "query")]


@pytest.mark.parametrize("listing", LISTS, ids=lambda x: x.path)
async def test_the_largest_limit_is_accepted(client: httpx.AsyncClient, world: World, listing: Listing) -> None:
    r = await client.get(world.url(listing), params={"limit": listing.max_limit}, headers=world.headers(listing))
    assert r.status_code == 200 and len(r.json()["data"]) <= listing.max_limit
