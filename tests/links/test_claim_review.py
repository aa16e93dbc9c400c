"""What a new user of reward links ran into (issue #13's review): problem bodies that echo the link's
token, a split link's remainder nobody can claim, validation errors without a pointer, a brand nobody
sells, amounts in minor units, and a description that contradicts the link. Both databases."""

from __future__ import annotations

from typing import Any

import httpx

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import create, events_of, expiry_job, link_body, problem, token_of, usd


def redeem_body(denomination: Any = 25, product_id: str = "amazon_us") -> dict[str, Any]:
    return {"product_id": product_id, "denomination": denomination, "currency": "USD"}


async def test_problem_bodies_never_echo_the_token(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    token = token_of(await create(client, org))
    url = f"/v1/link_claims/{token}/redeem"
    bodies = [
        problem(await client.post(url, json={"product_id": "amazon_us"}), 422, "validation_error"),
        problem(await client.post(url, json=redeem_body(denomination=10)), 422, "amount_not_allowed"),
    ]
    assert (await client.post(url, json=redeem_body())).status_code == 200
    bodies.append(problem(await client.post(url, json=redeem_body()), 409, "reward_link_claimed"))
    bodies.append(problem(await client.get("/v1/link_claims/KK3J-not-a-token-at-all"), 404, "reward_link_not_found"))
    for body in bodies:
        assert body["instance"].startswith("/v1/link_claims/[redacted]"), body
        assert token not in str(body) and "KK3J" not in str(body)
    assert bodies[0]["instance"] == "/v1/link_claims/[redacted]/redeem"
    # The hosted page, and a route that does not exist under a token prefix, redact the same way.
    r = await client.delete(f"/v1/link_claims/{token}")
    assert r.status_code == 405 and token not in r.text
    r = await client.get(f"/l/{token}/nope")
    assert token not in r.text


async def test_the_claim_api_ignores_a_wrong_api_key(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    # The OpenAPI description declares no 401 on the claim API (security: []): none can be answered.
    org = await make_org(USD="100.00")
    token = token_of(await create(client, org))
    r = await client.get(f"/v1/link_claims/{token}", headers={"Authorization": "Bearer rk_test_nope"})
    assert r.status_code == 200, r.text


async def test_amount_not_allowed_speaks_in_major_units(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    url = f"/v1/link_claims/{token_of(await create(client, org))}/redeem"
    body = problem(await client.post(url, json=redeem_body(denomination=10)), 422, "amount_not_allowed")
    assert body["detail"] == "This link covers exactly 25.00 USD." and "minor units" not in body["detail"]
    split = f"/v1/link_claims/{token_of(await create(client, org, value=20, allow_split=True))}/redeem"
    body = problem(await client.post(split, json=redeem_body(denomination=25)), 422, "amount_not_allowed")
    assert body["detail"] == "This link covers at most 20.00 USD.", body


async def test_a_remainder_no_choice_sells_goes_back_to_the_wallet_with_the_claim(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, value="10.37", allow_split=True)
    assert await usd(client, org) == (8963, 0, 1037)
    r = await client.post(f"/v1/link_claims/{token_of(link)}/redeem", json=redeem_body(10))
    assert r.status_code == 200, r.text
    claimed = r.json()["link"]
    assert claimed["status"] == "claimed" and claimed["remaining"]["minor_units"] == 0 and claimed["choices"] == []
    # The wallet paid 10.00 for the card and got 0.37 back: nothing left reserved.
    assert await usd(client, org) == (9000, 0, 0)
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert got["status"] == "claimed" and got["remaining"]["minor_units"] == 0
    last = got["timeline"][-1]
    assert last["status"] == "claimed" and "0.37 USD went back to the wallet" in last["reason"], last
    lines = (await client.get("/v1/balance_transactions", params={"limit": 100}, headers=org.h())).json()["data"]
    assert sorted(x["amount"]["minor_units"] for x in lines if x["type"] == "link_release") == [37]
    r = await client.get("/v1/events", params={"limit": 100}, headers=org.h())
    [event] = [e for e in r.json()["data"] if e["type"] == "reward_link.claimed"]
    assert event["data"]["status"] == "claimed" and "0.37 USD" in event["data"]["timeline"][-1]["reason"]
    assert "reward_link.claimed" in await events_of(client, org, link["id"])
    assert (await expiry_job(ctx, link["id"])).status != "queued"
    # A remainder a product still sells stays on the link.
    other = await create(client, org, value=35, allow_split=True)
    kept = (await client.post(f"/v1/link_claims/{token_of(other)}/redeem", json=redeem_body(25))).json()["link"]
    assert kept["status"] == "partially_claimed" and kept["remaining"]["minor_units"] == 1000


async def test_hand_made_validation_errors_have_the_pydantic_shape(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    cases = [
        ({"choice": {"categories": ["gift_card", "nope"]}}, "choice.categories.1", "/choice/categories/1"),
        ({"value": "25.005"}, "value", "/value"),
        ({"currency": "XYZ"}, "currency", "/currency"),
    ]
    for over, field, pointer in cases:
        body = {**link_body(), **over}
        got = problem(await client.post("/v1/reward_links", json=body, headers=org.h()), 422, "validation_error")
        assert got["detail"] == "1 field(s) are invalid.", got
        [error] = got["errors"]
        assert set(error) == {"field", "pointer", "in", "message", "code"}, error
        assert (error["field"], error["pointer"], error["in"]) == (field, pointer, "body"), error
        assert error["code"] and error["message"]
    # pydantic's own answer has the same keys.
    got = problem(
        await client.post("/v1/reward_links", json={**link_body(), "value": "x"}, headers=org.h()),
        422,
        "validation_error",
    )
    assert set(got["errors"][0]) == {"field", "pointer", "in", "message", "code"}
    unknown = problem(
        await client.post("/v1/reward_links", json=link_body(choice={"products": ["nope_us"]}), headers=org.h()),
        422,
        "choice_product_not_found",
    )
    assert unknown["errors"][0]["pointer"] == "/choice/products/0" and unknown["errors"][0]["code"]
    assert await usd(client, org) == (10000, 0, 0)


async def test_an_unknown_brand_says_so(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    body = link_body(choice={"brands": ["Amazon", "Amazn"]})
    got = problem(await client.post("/v1/reward_links", json=body, headers=org.h()), 422, "choice_brand_not_found")
    assert "'Amazn'" in got["detail"] and got["errors"][0]["pointer"] == "/choice/brands/1"
    # A brand the catalog has, but not in this currency or for this value, is still value_not_allowed.
    r = await client.post("/v1/reward_links", json=link_body(value=7, choice={"brands": ["amazon"]}), headers=org.h())
    problem(r, 422, "value_not_allowed")
    assert (
        await client.post("/v1/reward_links", json=link_body(choice={"brands": ["amazon"]}), headers=org.h())
    ).status_code == 200
    assert await usd(client, org) == (7500, 0, 2500)


async def test_the_claim_views_description_agrees_with_its_denominations(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="200.00")
    seen = (await client.get(f"/v1/link_claims/{token_of(await create(client, org))}")).json()
    [choice] = seen["choices"]
    assert choice["denominations"]["values"] == ["25.00"]
    assert choice["description"].endswith(" Available in 25.00 USD."), choice["description"]
    assert "10.00 USD" not in choice["description"]
    # A range narrowed to what a split link holds says its new maximum.
    link = await create(client, org, value=30, allow_split=True, choice={"products": ["wwf_us"]})
    [choice] = (await client.get(f"/v1/link_claims/{token_of(link)}")).json()["choices"]
    assert choice["denominations"]["max"] == "30.00"
    assert choice["description"].endswith("Choose any amount from 1.00 USD to 30.00 USD."), choice["description"]
    # The catalog itself still describes every denomination.
    product = (await client.get("/v1/products/amazon_us", headers=org.h())).json()
    assert "10.00 USD" in product["description"]
