"""API keys: who may call, what they see. Test and live keys of one org, and other orgs, are walled off."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rewardkit.auth import service as auth
from rewardkit.auth.errors import KeyNotFound
from rewardkit.auth.models import ApiKey
from rewardkit.kit.errors import PROBLEM_JSON
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body

ENDPOINTS = ["/v1/orders", "/v1/balances", "/v1/balance_transactions", "/v1/products", "/v1/orders/ord_x"]


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"/problems/{code}" and body["title"] and body["detail"]
    return body


def assert_unauthorized(r: httpx.Response, code: str) -> None:
    assert_problem(r, 401, code)
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'realm="rewardkit"' in challenge
    if code == "invalid_api_key":
        assert 'error="invalid_token"' in challenge


async def key_row(ctx: Runtime, raw: str) -> ApiKey:
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = (await s.execute(select(ApiKey).where(ApiKey.key_hash == ctx.keyring.hash(raw)))).scalar_one()
    return row


async def fund(ctx: Runtime, org: OrgHandle, mode: str, amount: str) -> None:
    async with ctx.db.unit_of_work() as s:
        await ledger.fund(s, org.id, mode, "USD", to_minor(amount, "USD"))


async def ids(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[str]:
    r = await client.get(path, params={"limit": 100}, headers=headers)
    assert r.status_code == 200, r.text
    return [str(item["id"]) for item in r.json()["data"]]


async def available(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    r = await client.get("/v1/balances", headers=headers)
    assert r.status_code == 200, r.text
    return {b["currency"]: b["available"]["value"] for b in r.json()["data"]}


# --- who may call ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_no_authorization_is_401_with_a_bearer_challenge(client: httpx.AsyncClient, path: str) -> None:
    assert_unauthorized(await client.get(path), "authentication_required")


async def test_no_authorization_on_a_write_is_401_and_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    assert_unauthorized(await client.post("/v1/orders", json=order_body()), "authentication_required")
    assert await ids(client, "/v1/orders", org.h()) == []


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Token {key}", "{key}", "Bearer", "Bearer   ", "Bearer: {key}"],
    ids=["basic", "token_scheme", "bare_key", "bearer_no_key", "bearer_blank", "bearer_colon"],
)
async def test_wrong_scheme_is_401(client: httpx.AsyncClient, make_org: MakeOrg, header: str) -> None:
    org = await make_org()
    r = await client.get("/v1/orders", headers={"Authorization": header.format(key=org.test_key)})
    assert_unauthorized(r, "authentication_required")


async def test_bearer_scheme_is_case_insensitive(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    r = await client.get("/v1/orders", headers={"Authorization": f"bearer {org.test_key}"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "raw",
    [
        "sk_test_" + "A" * 43,  # well-formed, never issued
        "sk_live_" + "A" * 43,
        "pk_test_" + "A" * 43,  # not our prefix
        "sk_test_x",  # too short
        "sk_test_" + "A" * 200,  # too long
        "not-a-key",
    ],
    ids=["unknown_test", "unknown_live", "wrong_prefix", "too_short", "too_long", "garbage"],
)
async def test_unknown_or_malformed_key_is_invalid_api_key(client: httpx.AsyncClient, raw: str) -> None:
    assert_unauthorized(await client.get("/v1/orders", headers={"Authorization": f"Bearer {raw}"}), "invalid_api_key")


async def test_non_ascii_key_is_invalid_api_key(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/orders", headers={"Authorization": "Bearer sk_test_clé_AAAAAAAAAAAAAAAA".encode()})
    assert_unauthorized(r, "invalid_api_key")


async def test_key_with_a_changed_character_is_invalid(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    last = org.test_key[-1]
    tampered = org.test_key[:-1] + ("A" if last != "A" else "B")
    r = await client.get("/v1/orders", headers={"Authorization": f"Bearer {tampered}"})
    assert_unauthorized(r, "invalid_api_key")


async def test_revoked_key_is_401_and_the_other_keys_still_work(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    assert (await client.get("/v1/orders", headers=org.h())).status_code == 200
    row = await key_row(ctx, org.test_key)
    async with ctx.db.unit_of_work() as s:
        assert await auth.revoke_key(s, row.id, org.id) is True
    for method, path in [("GET", "/v1/orders"), ("GET", "/v1/balances"), ("POST", "/v1/orders")]:
        r = await client.request(method, path, headers=org.h(), json=order_body() if method == "POST" else None)
        assert_unauthorized(r, "invalid_api_key")
    assert (await client.get("/v1/orders", headers=org.h("live"))).status_code == 200
    async with ctx.db.unit_of_work() as s:
        assert await auth.revoke_key(s, row.id, org.id) is False  # already revoked
    assert (await key_row(ctx, org.test_key)).revoked_at is not None
    # Nothing was bought with the revoked key: a fresh key of the org sees the untouched wallet.
    async with ctx.db.unit_of_work() as s:
        _, fresh = await auth.create_key(s, ctx.keyring, org.id, "test")
    fresh_h = {"Authorization": f"Bearer {fresh}"}
    assert await ids(client, "/v1/orders", fresh_h) == []
    assert await available(client, fresh_h) == {"USD": "100.00"}


async def test_revoking_with_another_orgs_id_does_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    a, b = await make_org(), await make_org()
    row = await key_row(ctx, a.test_key)
    async with ctx.db.unit_of_work() as s:
        assert await auth.revoke_key(s, row.id, b.id) is False
    assert (await client.get("/v1/orders", headers=a.h())).status_code == 200


async def test_keys_are_stored_only_as_hmac(make_org: MakeOrg, ctx: Runtime) -> None:
    org = await make_org()
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (await s.execute(select(ApiKey).where(ApiKey.org_id == org.id))).scalars().all()
        raw_rows = (await s.execute(select(ApiKey.__table__).where(ApiKey.org_id == org.id))).all()
    assert sorted(r.mode for r in rows) == ["live", "test"]
    for raw, mode in ((org.test_key, "test"), (org.live_key, "live")):
        secret = raw.removeprefix(f"sk_{mode}_")
        assert len(secret) >= 32
        [row] = [r for r in rows if r.mode == mode]
        assert row.key_hash == ctx.keyring.hash(raw) and len(row.key_hash) == 64
        assert row.redacted == f"sk_{mode}_…{raw[-4:]}"
        for stored in raw_rows:
            for value in stored:
                text = str(value)
                assert raw not in text
                assert secret not in text and secret[:16] not in text and secret[-16:] not in text


# --- what each key sees ----------------------------------------------------------------------------------


async def test_test_and_live_keys_never_see_each_others_data(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    await fund(ctx, org, "live", "300.00")
    order = await client.post("/v1/orders", json=order_body(), headers=org.h("test"))
    assert order.status_code == 200, order.text
    order_id = order.json()["id"]
    assert order.json()["livemode"] is False

    assert_problem(await client.get(f"/v1/orders/{order_id}", headers=org.h("live")), 404, "order_not_found")
    assert (await client.get(f"/v1/orders/{order_id}", headers=org.h("test"))).status_code == 200
    assert await ids(client, "/v1/orders", org.h("live")) == []
    assert await ids(client, "/v1/orders", org.h("test")) == [order_id]
    assert await available(client, org.h("test")) == {"USD": "50.00"}
    assert await available(client, org.h("live")) == {"USD": "300.00"}
    live_lines = (await client.get("/v1/balance_transactions", headers=org.h("live"))).json()["data"]
    assert [(x["type"], x["amount"]["value"]) for x in live_lines] == [("funding", "300.00")]
    test_lines = (await client.get("/v1/balance_transactions", headers=org.h("test"))).json()["data"]
    assert sorted(x["type"] for x in test_lines) == ["funding", "order_debit"]
    assert {x["id"] for x in live_lines}.isdisjoint({x["id"] for x in test_lines})
    live_balances = (await client.get("/v1/balances", headers=org.h("live"))).json()
    assert live_balances["livemode"] is True
    assert (await client.get("/v1/balances", headers=org.h("test"))).json()["livemode"] is False


async def test_a_live_only_wallet_is_invisible_to_the_test_key(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(mode="live", USD="100.00")
    assert await available(client, org.h("live")) == {"USD": "100.00"}
    assert await available(client, org.h("test")) == {}
    assert await ids(client, "/v1/balance_transactions", org.h("test")) == []


async def test_live_order_is_product_unavailable_and_debits_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(mode="live", USD="100.00")
    r = await client.post("/v1/orders", json=order_body(), headers=org.h("live"))
    body = assert_problem(r, 422, "product_unavailable")
    assert "live" in body["detail"]
    assert await ids(client, "/v1/orders", org.h("live")) == []
    assert await available(client, org.h("live")) == {"USD": "100.00"}
    lines = (await client.get("/v1/balance_transactions", headers=org.h("live"))).json()["data"]
    assert [x["type"] for x in lines] == ["funding"]
    balances = (await client.get("/v1/balances", headers=org.h("live"))).json()["data"]
    assert balances[0]["pending"]["value"] == "0.00"


async def test_another_orgs_key_gets_404_and_empty_lists(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    owner = await make_org(USD="100.00")
    other = await make_org(USD="100.00")
    await fund(ctx, other, "live", "5.00")
    order = await client.post("/v1/orders", json=order_body(external_id="mine"), headers=owner.h())
    order_id = order.json()["id"]
    for mode in ("test", "live"):
        assert_problem(await client.get(f"/v1/orders/{order_id}", headers=other.h(mode)), 404, "order_not_found")
        assert await ids(client, "/v1/orders", other.h(mode)) == []
        assert await ids(client, "/v1/orders?external_id=mine", other.h(mode)) == []
        statement = (await client.get("/v1/balance_transactions", headers=other.h(mode))).json()["data"]
        assert all(x["source_id"] != order_id for x in statement)
    assert await available(client, other.h("test")) == {"USD": "100.00"}
    assert await available(client, owner.h("test")) == {"USD": "50.00"}
    # And the 404 reads exactly like one for an id that never existed: no hint the order exists.
    missing = (await client.get("/v1/orders/ord_00000000000000000000000000", headers=other.h())).json()
    found_elsewhere = (await client.get(f"/v1/orders/{order_id}", headers=other.h())).json()
    assert {k: v for k, v in missing.items() if k not in {"detail", "instance", "request_id"}} == {
        k: v for k, v in found_elsewhere.items() if k not in {"detail", "instance", "request_id"}
    }


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, not the data."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.mark.parametrize(
    "path",
    ["/v1/balances", "/v1/balance_transactions", "/v1/orders", "/v1/products?limit=3", "/v1/categories"],
)
async def test_both_modes_have_the_same_endpoints_and_shapes(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime, path: str
) -> None:
    org = await make_org(USD="100.00")
    await fund(ctx, org, "live", "100.00")
    test = await client.get(path, headers=org.h("test"))
    live = await client.get(path, headers=org.h("live"))
    assert test.status_code == live.status_code == 200
    assert test.headers["content-type"] == live.headers["content-type"] == "application/json"
    assert shape(test.json()) == shape(live.json())


async def test_problem_shapes_are_the_same_in_both_modes(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    for path in ("/v1/orders/ord_nope", "/v1/orders?limit=0"):
        t = (await client.get(path, headers=org.h("test"))).json()
        lv = (await client.get(path, headers=org.h("live"))).json()
        assert shape(t) == shape(lv) and t["code"] == lv["code"]


async def test_roll_key_is_one_unit_of_work(ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """auth.service.roll_key revokes and creates in the caller's unit of work: if it does not commit,
    neither happened; once it does, the new key works and the old one is refused."""
    org = await make_org()
    old = await key_row(ctx, org.test_key)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with ctx.db.unit_of_work() as s:
            await auth.roll_key(s, ctx.keyring, old.id)
            raise Abort
    assert (await client.get("/v1/balances", headers=org.h())).status_code == 200
    live = await key_row(ctx, org.live_key)
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert [k.id for k in await auth.list_keys(s, org.id)] == sorted([old.id, live.id])

    async with ctx.db.unit_of_work() as s:
        new, secret = await auth.roll_key(s, ctx.keyring, old.id)
    assert new.org_id == org.id and new.mode == "test" and new.id != old.id
    assert_unauthorized(await client.get("/v1/balances", headers=org.h()), "invalid_api_key")
    assert (await client.get("/v1/balances", headers={"Authorization": f"Bearer {secret}"})).status_code == 200

    with pytest.raises(KeyNotFound):
        async with ctx.db.unit_of_work() as s:
            await auth.roll_key(s, ctx.keyring, old.id)
