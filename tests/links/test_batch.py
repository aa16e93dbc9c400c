"""POST /v1/reward_links/batch: one result per item, each link fully reserved or refused for its own
reason, failed items never stopping the others, one Idempotency-Key for the whole batch. Both
databases; the ledger invariants are checked after each test (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import events_of, link_body, links_of, problem, statement_types, usd

BATCH = "/v1/reward_links/batch"


async def _batch(client: httpx.AsyncClient, headers: dict[str, str], items: list[Any]) -> httpx.Response:
    return await client.post(BATCH, json={"links": items}, headers=headers)


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["object"] == "reward_link_batch"
    assert [x["index"] for x in body["data"]] == list(range(len(body["data"])))
    return body


async def test_a_mixed_batch_answers_each_item_and_reserves_the_good_ones(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    items: list[Any] = [
        link_body(external_id="good-1"),
        link_body(value=7),  # no product of the choice sells it
        link_body(choice={"products": ["no_such_product"]}),
        link_body(expires_at="2020-01-01T00:00:00Z"),
        link_body(recipient={"email": "ada@@example"}),
        link_body(recipient={"phone": "+1555"}),
        link_body(external_id="good-2", value=50),
        "not an object",
        link_body(colour="red"),
    ]
    body = _ok(await _batch(client, org.h(), items))
    statuses = [(x["status"], x["error"]["code"] if x["error"] else None) for x in body["data"]]
    assert statuses == [
        ("created", None),
        ("failed", "value_not_allowed"),
        ("failed", "choice_product_not_found"),
        ("failed", "invalid_expiry"),
        ("failed", "validation_error"),
        ("failed", "validation_error"),
        ("created", None),
        ("failed", "validation_error"),
        ("failed", "validation_error"),
    ]
    assert body["created"] == 2 and body["failed"] == 7 and body["livemode"] is False
    assert body["reserved"] == [{"currency": "USD", "minor_units": 7500, "value": "75.00"}]
    # Each failure is the problem the single endpoint answers, pointing into the batch's body.
    email = body["data"][4]["error"]
    assert email["status"] == 422 and email["type"] == "/problems/validation_error"
    assert [(e["field"], e["pointer"]) for e in email["errors"]] == [("recipient.email", "/links/4/recipient/email")]
    assert body["data"][3]["error"]["errors"][0]["pointer"] == "/links/3/expires_at"
    for x in body["data"]:
        assert (x["link"] is None) == (x["status"] == "failed") and (x["error"] is None) == (x["status"] == "created")
    made = [x["link"] for x in body["data"] if x["link"]]
    assert [m["external_id"] for m in made] == ["good-1", "good-2"]
    assert all(m["status"] == "created" and m["remaining"] == m["value"] for m in made)
    # Exactly the two good links, reserved to the cent; each its own event and ledger transaction.
    assert await usd(client, org) == (2500, 0, 7500)
    assert sorted(x["id"] for x in await links_of(client, org)) == sorted(m["id"] for m in made)
    assert (await statement_types(client, org)).count("link_reserve") == 2
    for m in made:
        assert await events_of(client, org, m["id"]) == ["reward_link.created"]
        got = await client.get(f"/v1/reward_links/{m['id']}", headers=org.h())
        assert got.json() == m


async def test_the_wallet_covers_the_first_items_that_fit_and_refuses_the_rest(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    # 50 + 25 fit (75), the next 50 does not (125 > 100), the 25 after it still does (100), then nothing.
    values = [50, 25, 50, 25, 25]
    body = _ok(await _batch(client, org.h(), [link_body(value=v) for v in values]))
    assert [x["status"] for x in body["data"]] == ["created", "created", "failed", "created", "failed"]
    for i in (2, 4):
        err = body["data"][i]["error"]
        assert err["code"] == "insufficient_funds" and err["status"] == 402 and err["currency"] == "USD"
    assert body["created"] == 3 and body["reserved"][0]["minor_units"] == 10000
    assert await usd(client, org) == (0, 0, 10000)
    links = await links_of(client, org)
    # Nothing half-reserved: every link holds exactly its value.
    assert sorted(x["remaining"]["minor_units"] for x in links) == [2500, 2500, 5000]
    assert all(x["remaining"] == x["value"] for x in links)


async def test_an_item_in_a_currency_without_a_wallet_fails_alone(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    eur = link_body(currency="EUR", choice={"products": ["airbnb_de"]}, recipient={"country": "DE"})
    body = _ok(await _batch(client, org.h(), [eur, link_body()]))
    assert [x["status"] for x in body["data"]] == ["failed", "created"]
    assert body["data"][0]["error"]["code"] == "insufficient_funds"


async def test_too_many_or_no_items_is_a_422_that_writes_nothing(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100000.00")
    for items in ([link_body(value=1) for _ in range(1001)], []):
        body = problem(await _batch(client, org.h(), items), 422, "validation_error")
        assert body["errors"][0]["field"] == "links"
    for bad in ({}, {"links": "x"}, {"links": [link_body()], "extra": 1}):
        problem(await client.post(BATCH, json=bad, headers=org.h()), 422, "validation_error")
    assert await links_of(client, org) == []
    assert await usd(client, org) == (10000000, 0, 0)
    assert await statement_types(client, org) == ["funding"]


async def test_one_idempotency_key_for_the_whole_batch(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    items = [link_body(), link_body(value=7), link_body(value=50)]
    h = org.h(**{"Idempotency-Key": "batch-1"})
    first = await _batch(client, h, items)
    body = _ok(first)
    assert body["created"] == 2 and "Idempotent-Replayed" not in first.headers
    again = await _batch(client, h, items)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == body
    # Reserved once.
    assert await usd(client, org) == (2500, 0, 7500)
    assert len(await links_of(client, org)) == 2
    problem(await _batch(client, h, items[:2]), 422, "idempotency_key_reused")
    problem(await client.post("/v1/reward_links", json=items[0], headers=h), 422, "idempotency_key_reused")
    problem(await _batch(client, org.h(**{"Idempotency-Key": ""}), items), 400, "idempotency_key_invalid")
    assert await usd(client, org) == (2500, 0, 7500)
    # A batch where every item fails is still an answer (200), replayed as it was.
    h2 = org.h(**{"Idempotency-Key": "batch-2"})
    none = _ok(await _batch(client, h2, [link_body(value=7)]))
    assert none["created"] == 0 and none["failed"] == 1 and none["reserved"] == []
    assert (await _batch(client, h2, [link_body(value=7)])).json() == none


async def test_concurrent_batches_with_one_key_reserve_once(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00")
    items = [link_body() for _ in range(20)]
    h = org.h(**{"Idempotency-Key": "batch-race"})
    answers = await asyncio.gather(*(_batch(client, h, items) for _ in range(3)))
    codes = sorted(r.status_code for r in answers)
    assert set(codes) <= {200, 409}, [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            problem(r, 409, "idempotency_key_in_flight")
    ok = [r.json() for r in answers if r.status_code == 200]
    assert ok and all(b == ok[0] for b in ok)
    assert await usd(client, org) == (100000 - 20 * 2500, 0, 20 * 2500)
    assert len(await links_of(client, org)) == 20


async def test_a_batch_of_1000_links(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="25000.00")
    items = [link_body(value=25, external_id=f"n-{i}") for i in range(1000)]
    items[500] = link_body(value=7)  # one bad item among them
    started = time.monotonic()
    body = _ok(await _batch(client, org.h(), items))
    took = time.monotonic() - started
    assert body["created"] == 999 and body["failed"] == 1, took
    assert body["data"][500]["error"]["code"] == "value_not_allowed"
    assert [x["link"]["external_id"] for x in body["data"][:3]] == ["n-0", "n-1", "n-2"]
    assert len({x["link"]["id"] for x in body["data"] if x["link"]}) == 999
    assert await usd(client, org) == (2500, 0, 999 * 2500)
    assert took < 20, took


async def test_an_item_insert_in_refuses_is_rolled_back_alone(
    client: httpx.AsyncClient, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """insert_in refusing an item after the funds check (a concurrent debit on PostgreSQL, or a refusal
    of insert_in's own): the transaction is written again without it; a funds miss is retried first."""
    from rewardkit.ledger.errors import InsufficientFunds
    from rewardkit.links import service
    from rewardkit.links.errors import DeliveryUnavailable

    real = service.insert_in
    misses = {"race": 1}

    async def flaky(ctx: Runtime, s: Any, link: Any) -> dict[str, Any]:
        body = await real(ctx, s, link)  # its writes are in the transaction that the raise rolls back
        if link.external_id == "boom":
            raise DeliveryUnavailable("refused by insert_in")
        if misses.get(link.external_id or "", 0) > 0:
            misses[link.external_id] -= 1
            raise InsufficientFunds("a concurrent debit came first", currency="USD")
        return body

    monkeypatch.setattr(service, "insert_in", flaky)
    org = await make_org(USD="100.00")
    items = [link_body(external_id="a"), link_body(external_id="boom"), link_body(external_id="race")]
    body = _ok(await _batch(client, org.h(), items))
    assert [x["status"] for x in body["data"]] == ["created", "failed", "created"]
    assert body["data"][1]["error"]["code"] == "delivery_unavailable" and misses["race"] == 0
    assert await usd(client, org) == (5000, 0, 5000)
    assert sorted(x["external_id"] for x in await links_of(client, org)) == ["a", "race"]


async def test_batch_is_no_link_id(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """GET /v1/reward_links/batch is not a link lookup: the path is the batch's, whose one method is POST."""
    org = await make_org(USD="10.00")
    r = await client.get(BATCH, headers=org.h())
    problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"
    problem(await client.get("/v1/reward_links/batchx", headers=org.h()), 404, "reward_link_not_found")
    problem(await client.post("/v1/reward_links/batch/cancel", headers=org.h()), 404, "reward_link_not_found")


async def test_the_batch_takes_bodies_up_to_4_mib_other_routes_keep_64_kib(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="10.00")
    big = link_body(message="x" * 1000, metadata={f"k{i}": "v" * 500 for i in range(20)})
    problem(await _batch(client, org.h(), [big] * 400), 413, "payload_too_large")  # about 4.4 MB
    problem(
        await client.post("/v1/reward_links", json={**big, "pad": "x" * 70_000}, headers=org.h()),
        413,
        "payload_too_large",
    )
    assert await links_of(client, org) == []


async def test_every_item_error_points_into_the_batch(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    items: list[Any] = [7, link_body(currency="XYZ"), link_body(choice={"categories": ["nope"]})]
    body = _ok(await _batch(client, org.h(), items))
    pointers = [[e["pointer"] for e in x["error"]["errors"]] for x in body["data"]]
    assert pointers == [["/links/0"], ["/links/1/currency"], ["/links/2/choice/categories/0"]], pointers
    assert body["data"][0]["error"]["detail"] == "The item must be a JSON object."
