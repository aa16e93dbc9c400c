"""The headless claim API: the token is the credential. The first look opens the link; a claim is an
order paid from the link's reservation; concurrent claims never take more than the link holds; an
expired, canceled or used link says so; another link's token, or a forged one, shows nothing. The
expiry job gives what is left back to the wallet once. Both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from rewardkit.orders.models import Order
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import create, events_of, expiry_job, problem, token_of, usd


def redeem_body(denomination: Any = 25, product_id: str = "amazon_us") -> dict[str, Any]:
    return {"product_id": product_id, "denomination": denomination, "currency": "USD"}


async def link_orders(ctx: Runtime, link_id: str) -> list[Order]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (await s.execute(select(Order).where(Order.metadata_["reward_link"].as_string() == link_id))).scalars()
        return list(rows)


async def test_the_recipient_sees_the_link_then_claims_it(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    token = token_of(link)
    r = await client.get(f"/v1/link_claims/{token}")  # no key: the token is the credential
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["object"] == "link_claim" and seen["status"] == "opened"
    assert seen["value"]["minor_units"] == seen["remaining"]["minor_units"] == 2500
    assert (seen["message"], seen["sender_name"], seen["allow_split"]) == ("Thanks!", "Acme", False)
    # The choices, narrowed to what the link covers: exactly its value.
    [choice] = seen["choices"]
    assert choice["id"] == "amazon_us" and choice["denominations"] == {"type": "fixed", "values": ["25.00"]}
    # Nothing of the org's in the recipient's view: no ids, no recipient details, no metadata.
    assert link["id"] not in r.text and "ada@example.com" not in r.text and "recipient" not in seen
    # Opened once: a second look changes nothing.
    assert (await client.get(f"/v1/link_claims/{token}")).json()["status"] == "opened"
    assert await events_of(client, org, link["id"]) == ["reward_link.created", "reward_link.opened"]
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert [t["status"] for t in got["timeline"]] == ["created", "opened"]

    r = await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body())
    assert r.status_code == 200, r.text
    claimed = r.json()
    order = claimed["order"]
    assert order["status"] == "fulfilled" and order["voucher"]["code"]
    assert order["face_value"]["minor_units"] == 2500 and order["recipient"]["email"] == "ada@example.com"
    assert claimed["link"]["status"] == "claimed" and claimed["link"]["remaining"]["minor_units"] == 0
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert got["status"] == "claimed" and got["orders"] == [order["id"]] and got["remaining"]["minor_units"] == 0
    # The order was paid from the reservation: the wallet paid 25.00 once, when the link was made.
    assert await usd(client, org) == (7500, 0, 0)
    assert "reward_link.claimed" in await events_of(client, org, link["id"])
    # Used: no second claim, no cancel; the claim view shows it claimed, with nothing left to pick.
    problem(await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body()), 409, "reward_link_claimed")
    problem(
        await client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h()), 409, "reward_link_not_cancelable"
    )
    after = (await client.get(f"/v1/link_claims/{token}")).json()
    assert after["status"] == "claimed" and after["choices"] == []
    assert (await expiry_job(ctx, link["id"])).status != "queued"  # nothing left to expire
    assert await usd(client, org) == (7500, 0, 0)


async def test_a_claim_must_be_one_of_the_choices_and_the_links_value(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    token = token_of(await create(client, org))
    url = f"/v1/link_claims/{token}/redeem"
    problem(await client.post(url, json=redeem_body(product_id="target_us")), 422, "product_not_in_choice")
    problem(await client.post(url, json=redeem_body(denomination=10)), 422, "amount_not_allowed")
    problem(await client.post(url, json={**redeem_body(), "currency": "EUR"}), 422, "amount_not_allowed")
    problem(await client.post(url, json={"product_id": "amazon_us"}), 422, "validation_error")
    assert await usd(client, org) == (7500, 0, 2500)


async def test_allow_split_claims_until_the_value_is_used(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="200.00")
    link = await create(client, org, value=100, allow_split=True)
    token = token_of(link)
    seen = (await client.get(f"/v1/link_claims/{token}")).json()
    [choice] = seen["choices"]
    assert choice["denominations"]["values"] == ["10.00", "25.00", "50.00", "100.00"]
    first = (await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body(50))).json()
    assert first["link"]["status"] == "partially_claimed" and first["link"]["remaining"]["minor_units"] == 5000
    assert first["link"]["choices"][0]["denominations"]["values"] == ["10.00", "25.00", "50.00"]
    second = (await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body(25))).json()
    assert second["link"]["remaining"]["minor_units"] == 2500
    problem(await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body(50)), 422, "amount_not_allowed")
    assert await usd(client, org) == (10000, 0, 2500)
    # Cancel gives back exactly what is left.
    canceled = (await client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h())).json()
    assert canceled["status"] == "canceled" and len(canceled["orders"]) == 2
    assert await usd(client, org) == (12500, 0, 0)


async def test_concurrent_claims_of_a_single_reward_make_one_order(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    url = f"/v1/link_claims/{token_of(link)}/redeem"
    answers = await asyncio.gather(*(client.post(url, json=redeem_body()) for _ in range(6)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200, 409, 409, 409, 409, 409], [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"reward_link_claimed"}
    assert len(await link_orders(ctx, link["id"])) == 1
    assert await usd(client, org) == (7500, 0, 0)


async def test_concurrent_split_claims_never_take_more_than_the_value(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, value=50, allow_split=True)
    url = f"/v1/link_claims/{token_of(link)}/redeem"
    answers = await asyncio.gather(*(client.post(url, json=redeem_body(25)) for _ in range(5)))
    won = [r for r in answers if r.status_code == 200]
    assert len(won) == 2, [r.text for r in answers]
    assert all(r.status_code in (409, 422) for r in answers if r.status_code != 200)
    assert len(await link_orders(ctx, link["id"])) == 2
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert got["status"] == "claimed" and got["remaining"]["minor_units"] == 0 and len(got["orders"]) == 2
    assert await usd(client, org) == (5000, 0, 0)


async def test_a_token_opens_its_own_link_only(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    a, b = await make_org(USD="100.00"), await make_org(USD="100.00")
    mine = await create(client, a, message="for A's recipient")
    theirs = await create(client, b, message="for B's recipient", value=10)
    token = token_of(mine)
    seen = (await client.get(f"/v1/link_claims/{token}")).json()
    assert seen["message"] == "for A's recipient" and "B's" not in str(seen)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = [flipped, token[:-1], token + "x", token.upper(), "x" * 65, mine["id"], "short", "a" * 40]
    for bad in forged:
        for headers in ({}, a.h(), b.h()):  # an API key changes nothing: the token alone decides
            r = await client.get(f"/v1/link_claims/{bad}", headers=headers)
            problem(r, 404, "reward_link_not_found")
            assert "A's recipient" not in r.text and mine["id"] not in r.text.replace(bad, "")
            r = await client.post(f"/v1/link_claims/{bad}/redeem", json=redeem_body(), headers=headers)
            problem(r, 404, "reward_link_not_found")
    # B's token opens B's link, and redeeming it never touches A's.
    other = (await client.get(f"/v1/link_claims/{token_of(theirs)}")).json()
    assert other["message"] == "for B's recipient"
    assert await usd(client, a) == (7500, 0, 2500) and await usd(client, b) == (9000, 0, 1000)


async def _past(link: dict[str, Any]) -> None:
    """Wait until the link's expiry has passed (test mode takes any future time)."""
    wait = (datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)).total_seconds()
    await asyncio.sleep(max(0.0, wait) + 0.05)


async def test_expiry_gives_back_what_is_left_once(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    link = await create(client, org, value=100, allow_split=True, expires_at=soon)
    token = token_of(link)
    assert (await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body(10))).status_code == 200
    await _past(link)
    # Past its expiry the link says so at once, before the job has run.
    problem(await client.get(f"/v1/link_claims/{token}"), 410, "reward_link_expired")
    problem(await client.post(f"/v1/link_claims/{token}/redeem", json=redeem_body(10)), 410, "reward_link_expired")
    assert ctx.worker is not None
    job = await expiry_job(ctx, link["id"])
    assert await ctx.worker.run_now(job.id)
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert got["status"] == "expired" and got["remaining"]["minor_units"] == 0
    assert [t["status"] for t in got["timeline"]] == ["created", "partially_claimed", "expired"]
    assert await usd(client, org) == (9000, 0, 0)  # 90.00 back, to the cent
    assert await events_of(client, org, link["id"]) == [
        "reward_link.created",
        "reward_link.claimed",
        "reward_link.expired",
    ]
    # Never twice: the job again, then a cancel.
    from rewardkit.links import service

    assert await service.expire(ctx, link["id"]) == "nothing to expire"
    problem(
        await client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h()), 409, "reward_link_not_cancelable"
    )
    assert await usd(client, org) == (9000, 0, 0)


async def test_expiry_racing_a_cancel_refunds_once(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    from rewardkit.links import service

    org = await make_org(USD="100.00")
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    link = await create(client, org, expires_at=soon)
    await _past(link)
    cancel, expired = await asyncio.gather(
        client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h()), service.expire(ctx, link["id"])
    )
    assert (cancel.status_code == 200) != (expired == "expired"), (cancel.text, expired)
    assert await usd(client, org) == (10000, 0, 0)


async def test_choices_are_the_category_in_the_recipients_country_and_currency(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, value=10, choice={"categories": ["gift_card"]}, allow_split=True)
    seen = (await client.get(f"/v1/link_claims/{token_of(link)}")).json()
    assert seen["choices"] and "amazon_us" in {p["id"] for p in seen["choices"]}
    for p in seen["choices"]:
        assert p["category"] == "gift_card" and p["currency"] == "USD" and "US" in p["countries"], p
        d = p["denominations"]
        top = max(d["values"], key=float) if d["type"] == "fixed" else d["max"]
        assert float(top) <= 10.0, p  # only what the link covers


async def test_a_claim_that_cannot_be_booked_leaves_the_link_as_it_was(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    """Live mode has no supplier configured: the order is refused inside the claim's transaction, so the
    amount taken from the link goes back with it (one rollback), and the link can still be claimed."""
    org = await make_org(mode="live", USD="100.00")
    r = await client.post(
        "/v1/reward_links",
        json={"value": 25, "currency": "USD", "choice": {"products": ["amazon_us"]}},
        headers=org.h("live"),
    )
    assert r.status_code == 200, r.text
    link = r.json()
    problem(
        await client.post(f"/v1/link_claims/{token_of(link)}/redeem", json=redeem_body()), 422, "product_unavailable"
    )
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h("live"))).json()
    assert got["remaining"]["minor_units"] == 2500 and got["orders"] == [] and got["status"] == "created"
    assert await link_orders(ctx, link["id"]) == []
    balances = (await client.get("/v1/balances", headers=org.h("live"))).json()["data"]
    [usd_live] = [b for b in balances if b["currency"] == "USD"]
    assert (usd_live["available"]["minor_units"], usd_live["reserved"]["minor_units"]) == (7500, 2500)
