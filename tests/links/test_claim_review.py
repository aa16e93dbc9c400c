"""What a new user of reward links ran into (issue #13's review): problem bodies that echo the link's
token, a split link's remainder nobody can claim, validation errors without a pointer, a brand nobody
sells, amounts in minor units, and a description that contradicts the link. Both databases."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import MakeOrg
from tests.links.helpers import create, problem, token_of


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
