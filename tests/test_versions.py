"""API versions (#17): 2026-11-01 clients keep exactly the order they had, 2026-12-01 clients get the
order without its duplicate fields, on every path an order takes (answers, lists, replays, events,
webhook payloads, objects that embed an order); the version a request gets; GET /v1/versions and
docs/changelog.md, which say the same as the registry."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.auth import service as auth
from rewardkit.kit import versioning
from rewardkit.kit.errors import PROBLEM_JSON
from rewardkit.orders.examples import ORDER
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.webhooks.receiver import Receiver, Running

OLD, NEW = "2026-11-01", "2026-12-01"
# An order's fields in 2026-11-01, in their order: what an old client was promised, written out here
# rather than derived, so that a change to the render cannot silently change it.
OLD_ORDER_FIELDS = [
    "id", "order_id", "object", "livemode", "status", "product_id", "currency", "denomination", "face_value",
    "charged", "fx", "recipient", "external_id", "metadata", "voucher_url", "voucher", "failure", "timeline",
    "created_at", "updated_at", "fulfilled_at",
]  # fmt: skip
NEW_ORDER_FIELDS = [f for f in OLD_ORDER_FIELDS if f not in ("order_id", "denomination")]
ROOT = Path(__file__).resolve().parents[1]


def v(version: str, org: OrgHandle, **extra: str) -> dict[str, str]:
    return org.h(**{versioning.HEADER: version, **extra})


def assert_old_order(old: dict[str, Any], new: dict[str, Any]) -> None:
    """`old` is `new` as 2026-11-01 wrote it: the same values, plus order_id and denomination, in place."""
    assert list(old) == OLD_ORDER_FIELDS
    assert old["order_id"] == old["id"] and old["denomination"] == old["face_value"]["value"]
    assert {k: x for k, x in old.items() if k not in ("order_id", "denomination")} == new


# --- the registry and the transform -------------------------------------------------------------


def test_the_versions_are_dated_oldest_first_and_the_latest_is_the_newest() -> None:
    assert versioning.VERSIONS == [OLD, NEW] and versioning.LATEST == NEW and versioning.FIRST == OLD
    assert sorted(versioning.VERSIONS) == versioning.VERSIONS
    for version in versioning.VERSIONS[1:]:
        assert versioning.changes_of(version), f"{version} changes nothing: it should not exist"
    assert all(c.downgrade is not None for c in versioning.CHANGES if c.breaking)


def test_the_order_downgrade_gives_the_old_shape_and_touches_nothing_else() -> None:
    new = copy.deepcopy(ORDER)
    before = copy.deepcopy(new)
    old = versioning.downgrade(new, "order", OLD)
    assert new == before  # the body the caller holds is not changed
    assert_old_order(old, new)
    assert versioning.downgrade(new, "order", NEW) is new  # the latest: no copy, no walk


def test_a_body_already_in_the_old_shape_stays_as_it_is() -> None:
    # An idempotent response stored before the upgrade was written with order_id and denomination.
    old = versioning.downgrade(ORDER, "order", OLD)
    assert versioning.downgrade(old, "order", OLD) == old and list(versioning.downgrade(old, "order", OLD)) == list(old)


def test_orders_inside_other_objects_are_downgraded_and_metadata_never_is() -> None:
    order = {**ORDER, "metadata": {"object": "order", "id": "mine"}}
    redemption = {"object": "points_redemption", "id": "prd_1", "order": order, "orders": [order, None]}
    old = versioning.downgrade(redemption, "points_redemption", OLD)
    assert_old_order(old["order"], order)
    assert_old_order(old["orders"][0], order)
    assert old["orders"][1] is None and list(old["orders"][0]) == OLD_ORDER_FIELDS
    # The customer's metadata is theirs, whatever it says: never read as an order.
    assert old["order"]["metadata"] == {"object": "order", "id": "mine"}
    event = {"object": "event", "id": "evt_1", "type": "order.fulfilled", "data": ORDER}
    assert list(versioning.downgrade(event, "event", OLD)["data"]) == OLD_ORDER_FIELDS
    listed = {"object": "list", "data": [event, ORDER], "has_more": False, "next_cursor": None}
    down = versioning.downgrade(listed, "list", OLD)
    assert list(down["data"][0]["data"]) == OLD_ORDER_FIELDS and list(down["data"][1]) == OLD_ORDER_FIELDS


def test_an_unknown_version_is_refused() -> None:
    for bad in ("2026-10-01", "latest", "2026-12-1", " 2026-12-01"):
        with pytest.raises(Exception) as info:
            versioning.resolve(bad)
        assert getattr(info.value, "code", None) == "invalid_api_version"
    assert versioning.resolve(None) == versioning.resolve("") == NEW
    with pytest.raises(ValueError):
        versioning.change(OLD, "order", "the first version changes nothing", ())


# --- GET /v1/versions and docs/changelog.md ----------------------------------------------------------


async def test_get_versions_is_public_and_lists_every_version_with_its_changes(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/versions")
    assert r.status_code == 200, r.text
    assert r.headers[versioning.HEADER] == NEW
    body = r.json()
    assert body["object"] == "list" and body["has_more"] is False and body["next_cursor"] is None
    assert [x["id"] for x in body["data"]] == [NEW, OLD]  # newest first
    assert [x["latest"] for x in body["data"]] == [True, False]
    assert [x["released"] for x in body["data"]] == ["2026-12-01", "2026-11-01"]
    assert body["data"][1]["changes"] == []
    (change,) = body["data"][0]["changes"]
    assert change["resource"] == "order" and change["breaking"] is True
    assert change["fields"] == ["order_id", "denomination"] and "face_value" in change["description"]
    assert body == versioning.listing()  # one registry
    # The same whatever version is asked for (it describes them all).
    assert (await client.get("/v1/versions", headers={versioning.HEADER: OLD})).json() == body


async def test_get_versions_refuses_an_unknown_version_and_query_parameters(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/versions", headers={versioning.HEADER: "2025-01-01"})
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["code"] == "invalid_api_version" and r.json()["known_versions"] == [OLD, NEW]
    assert (await client.get("/v1/versions?limit=1")).status_code == 422


def test_the_changelog_names_every_version_and_every_change() -> None:
    text = (ROOT / "docs" / "changelog.md").read_text()
    headings = re.findall(r"^## (\d{4}-\d{2}-\d{2})", text, flags=re.MULTILINE)
    assert headings == list(reversed(versioning.VERSIONS))
    for version in versioning.VERSIONS:
        section = text.split(f"## {version}", 1)[1].split("\n## ", 1)[0]
        for c in versioning.changes_of(version):
            assert f"`{c.resource}`" in section, (version, c.resource)
            for name in c.fields:
                assert f"`{name}`" in section, (version, c.resource, name)
            assert ("Breaking" in section) == any(x.breaking for x in versioning.changes_of(version))
    assert "(changelog.md)" in (ROOT / "docs" / "api.md").read_text()


def test_the_openapi_describes_the_latest_order(app: FastAPI) -> None:
    schema = app.openapi()["components"]["schemas"]["OrderOut"]
    assert list(schema["properties"]) == NEW_ORDER_FIELDS
    header = app.openapi()["paths"]["/v1/orders"]["post"]["parameters"]
    assert any(p["name"] == versioning.HEADER and p["schema"]["enum"] == [OLD, NEW, ""] for p in header)


# --- an order on both versions, on every path ------------------------------------------------------------


async def test_an_order_in_both_versions_on_create_get_and_list(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00")
    created = await client.post("/v1/orders", json=order_body(external_id="v-1"), headers=org.h())
    assert created.status_code == 200, created.text
    new = created.json()
    assert list(new) == NEW_ORDER_FIELDS and created.headers[versioning.HEADER] == NEW
    old_created = await client.post("/v1/orders", json=order_body(), headers=v(OLD, org))
    assert old_created.status_code == 200 and old_created.headers[versioning.HEADER] == OLD
    assert list(old_created.json()) == OLD_ORDER_FIELDS
    path = f"/v1/orders/{new['id']}"
    got_new, got_old = (await client.get(path, headers=org.h())).json(), await client.get(path, headers=v(OLD, org))
    assert got_old.headers[versioning.HEADER] == OLD
    assert_old_order(got_old.json(), got_new)
    listed_new = (await client.get("/v1/orders?external_id=v-1", headers=org.h())).json()
    listed_old = (await client.get("/v1/orders?external_id=v-1", headers=v(OLD, org))).json()
    assert listed_new["data"] == [got_new]
    assert set(listed_old) == {"object", "data", "has_more", "next_cursor"}
    assert_old_order(listed_old["data"][0], got_new)


async def test_a_replay_is_shaped_for_the_replaying_request(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00")
    first = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "ver-replay-1"}))
    assert first.status_code == 200, first.text
    replay = await client.post(
        "/v1/orders", json=order_body(), headers=v(OLD, org, **{"Idempotency-Key": "ver-replay-1"})
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert_old_order(replay.json(), first.json())
    again = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "ver-replay-1"}))
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()


async def test_events_carry_the_order_in_the_requested_version(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    new = (await client.get("/v1/events?type=order.fulfilled", headers=org.h())).json()["data"]
    old = (await client.get("/v1/events?type=order.fulfilled", headers=v(OLD, org))).json()["data"]
    assert [e["data"]["id"] for e in new] == [order["id"]] and list(new[0]["data"]) == NEW_ORDER_FIELDS
    assert_old_order(old[0]["data"], new[0]["data"])
    one = await client.get(f"/v1/events/{new[0]['id']}", headers=v(OLD, org))
    assert one.status_code == 200 and one.json()["data"] == old[0]["data"]
    assert {k: x for k, x in one.json().items() if k != "data"} == {k: x for k, x in new[0].items() if k != "data"}


async def test_a_pinned_key_gets_its_version_without_a_header(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="1000.00")
    async with ctx.db.unit_of_work() as s:
        _, pinned = await auth.create_key(s, ctx.keyring, org.id, "test", OLD)
    h = {"Authorization": f"Bearer {pinned}"}
    r = await client.post("/v1/orders", json=order_body(), headers=h)
    assert r.status_code == 200 and r.headers[versioning.HEADER] == OLD and list(r.json()) == OLD_ORDER_FIELDS
    # The header beats the pin, both ways; an unknown one is refused before anything runs.
    latest = await client.get(f"/v1/orders/{r.json()['id']}", headers={**h, versioning.HEADER: NEW})
    assert latest.headers[versioning.HEADER] == NEW and list(latest.json()) == NEW_ORDER_FIELDS
    bad = await client.post("/v1/orders", json=order_body(), headers={**h, versioning.HEADER: "2027-01-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_api_version"
    assert bad.json()["known_versions"] == [OLD, NEW] and bad.headers["content-type"] == PROBLEM_JSON
    # A problem answered after auth is echoed in the key's version too.
    missing = await client.get("/v1/orders/ord_nope", headers=h)
    assert missing.status_code == 404 and missing.headers[versioning.HEADER] == OLD
    # The latest key of the same org is not affected by the other key's pin.
    mine = await client.get(f"/v1/orders/{r.json()['id']}", headers=org.h())
    assert mine.headers[versioning.HEADER] == NEW and "order_id" not in mine.json()


# --- webhook payloads ----------------------------------------------------------------------------------------


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Running(Receiver()) as r:
        yield r


async def test_webhook_payloads_keep_the_version_of_their_endpoint(
    app: FastAPI, client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, receiver: Receiver
) -> None:
    org = await make_org(USD="100.00")
    events = ["order.fulfilled"]
    made_old = await client.post(
        "/v1/webhook_endpoints", json={"url": receiver.url("/old"), "enabled_events": events}, headers=v(OLD, org)
    )
    made_new = await client.post(
        "/v1/webhook_endpoints", json={"url": receiver.url("/new"), "enabled_events": events}, headers=org.h()
    )
    assert made_old.json()["api_version"] == OLD and made_new.json()["api_version"] == NEW
    # Read back in any version, an endpoint keeps the version it was made in.
    got = await client.get(f"/v1/webhook_endpoints/{made_old.json()['id']}", headers=org.h())
    assert got.json()["api_version"] == OLD
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    await app.state.worker.drain()
    by_path = {r.path: json.loads(r.body) for r in receiver.received}
    assert set(by_path) == {"/old", "/new"}
    assert by_path["/new"]["data"] == order
    assert_old_order(by_path["/old"]["data"], order)
    assert {k: x for k, x in by_path["/old"].items() if k != "data"} == {
        k: x for k, x in by_path["/new"].items() if k != "data"
    }
