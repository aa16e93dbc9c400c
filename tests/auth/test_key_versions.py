"""An API key's pinned version (#17): set at creation (default the latest), changed through the API and
the CLI, kept by a roll, walled off by org and mode; keys made before pins existed hold the first."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from rewardkit.auth import key_versions
from rewardkit.auth import service as auth
from rewardkit.auth.models import ApiKey
from rewardkit.kit import versioning
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import PROBLEM_JSON, InvalidVersion
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.test_cli import Cli, cli  # noqa: F401  (the subprocess CLI fixture)

OLD, NEW = "2026-11-01", "2026-12-01"


async def key_of(ctx: Runtime, org: OrgHandle, mode: str = "test") -> ApiKey:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return next(k for k in await auth.list_keys(s, org.id) if k.mode == mode)


async def pin(
    client: httpx.AsyncClient, org: OrgHandle, key_id: str, version: Any, mode: str = "test"
) -> httpx.Response:
    return await client.post(f"/v1/api_keys/{key_id}", json={"api_version": version}, headers=org.h(mode))


async def version_seen(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    r = await client.get("/v1/orders?limit=1", headers=headers)
    assert r.status_code == 200, r.text
    return r.headers[versioning.HEADER]


async def test_a_new_key_is_pinned_to_the_latest_or_to_the_version_asked(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    assert (await key_of(ctx, org)).api_version == NEW
    async with ctx.db.unit_of_work() as s:
        row, _ = await auth.create_key(s, ctx.keyring, org.id, "live", OLD)
        assert row.api_version == OLD and auth.describe_key(row)["api_version"] == OLD
    with pytest.raises(InvalidVersion):
        async with ctx.db.unit_of_work() as s:
            await auth.create_key(s, ctx.keyring, org.id, "test", "2026-13-01")


async def test_a_key_made_before_pins_existed_holds_the_first_version(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    """The column's default is what migration 0022 gave every existing row: such a key never changes shape."""
    org = await make_org(USD="100.00")
    raw = f"sk_test_{secrets.token_urlsafe(32)}"
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            insert(ApiKey).values(
                id=f"key_old{secrets.token_hex(4)}",
                org_id=org.id,
                mode="test",
                key_hash=ctx.keyring.hash(raw),
                redacted="sk_test_…old",
                created_at=utcnow(),
            )
        )
    h = {"Authorization": f"Bearer {raw}"}
    r = await client.post("/v1/orders", json=order_body(), headers=h)
    assert r.status_code == 200 and r.headers[versioning.HEADER] == OLD
    assert r.json()["order_id"] == r.json()["id"] and r.json()["denomination"] == "50.00"


async def test_the_api_changes_a_pin_and_the_next_request_sees_it(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    key = await key_of(ctx, org)
    assert await version_seen(client, org.h()) == NEW  # and now the key is in this process's cache
    r = await pin(client, org, key.id, OLD)
    assert r.status_code == 200, r.text
    assert r.headers[versioning.HEADER] == NEW  # the answer is in the version of the request that changed it
    body = r.json()
    assert body == {
        "id": key.id,
        "object": "api_key",
        "livemode": False,
        "redacted": key.redacted,
        "api_version": OLD,
        "created_at": body["created_at"],
    }
    assert key.key_hash not in r.text
    # The cache is forgotten in this process: no wait for api_key_cache_seconds.
    assert await version_seen(client, org.h()) == OLD
    assert await version_seen(client, org.h(**{versioning.HEADER: NEW})) == NEW  # the header wins
    assert (await key_of(ctx, org)).api_version == OLD
    # Back again, through the key pinned to the old version (its own answer is in the old version).
    back = await pin(client, org, key.id, NEW)
    assert back.status_code == 200 and back.headers[versioning.HEADER] == OLD and back.json()["api_version"] == NEW
    assert await version_seen(client, org.h()) == NEW
    # The live key of the same org pins its own keys only: test and live stay apart.
    assert await version_seen(client, org.h("live")) == NEW


@pytest.mark.parametrize("bad", ["2026-10-01", "", "latest"])
async def test_an_unknown_version_is_a_400_and_changes_nothing(
    bad: str, client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    key = await key_of(ctx, org)
    r = await pin(client, org, key.id, bad)
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["code"] == "invalid_api_version" and r.json()["known_versions"] == [OLD, NEW]
    assert (await key_of(ctx, org)).api_version == NEW


@pytest.mark.parametrize("body", [{}, {"api_version": 20261101}, {"api_version": NEW, "extra": 1}, [NEW]])
async def test_a_malformed_body_is_a_422(body: Any, client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    key = await key_of(ctx, org)
    r = await client.post(f"/v1/api_keys/{key.id}", json=body, headers=org.h())
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text


async def test_another_orgs_or_modes_or_a_revoked_key_is_not_found(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org, other = await make_org(), await make_org()
    key, live = await key_of(ctx, org), await key_of(ctx, org, "live")
    for caller, target, mode in ((other, key, "test"), (org, live, "test"), (org, key, "live")):
        r = await pin(client, caller, target.id, OLD, mode)
        assert r.status_code == 404 and r.json()["code"] == "key_not_found", r.text
    assert (await pin(client, org, "key_missing", OLD)).status_code == 404
    async with ctx.db.unit_of_work() as s:
        _, spare = await auth.create_key(s, ctx.keyring, org.id, "test")
    spare_row = await key_of_raw(ctx, spare)
    async with ctx.db.unit_of_work() as s:
        assert await auth.revoke_key(s, spare_row.id)
    assert (await pin(client, org, spare_row.id, OLD)).status_code == 404
    assert (await key_of(ctx, org)).api_version == NEW and (await key_of(ctx, org, "live")).api_version == NEW


async def key_of_raw(ctx: Runtime, raw: str) -> ApiKey:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return (await s.execute(select(ApiKey).where(ApiKey.key_hash == ctx.keyring.hash(raw)))).scalar_one()


async def test_another_key_of_the_same_org_and_mode_can_be_pinned(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        row, second = await auth.create_key(s, ctx.keyring, org.id, "test")
    assert await version_seen(client, {"Authorization": f"Bearer {second}"}) == NEW
    assert (await pin(client, org, row.id, OLD)).status_code == 200
    assert await version_seen(client, {"Authorization": f"Bearer {second}"}) == OLD
    assert await version_seen(client, org.h()) == NEW  # the calling key keeps its own


async def test_a_roll_keeps_the_pin(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    key = await key_of(ctx, org)
    async with ctx.db.unit_of_work() as s:
        await key_versions.set_key_version(s, key.id, OLD)
    async with ctx.db.unit_of_work() as s:
        rolled, _ = await auth.roll_key(s, ctx.keyring, key.id)
        assert rolled.api_version == OLD


async def test_sessions_get_the_latest_or_their_header(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        _, raw = await auth.create_session(s, ctx.keyring, "member_session", org.id, "test", "user_1")
    r = await client.get("/v1/session", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200 and r.headers[versioning.HEADER] == NEW
    r = await client.get("/v1/session", headers={"Authorization": f"Bearer {raw}", versioning.HEADER: OLD})
    assert r.headers[versioning.HEADER] == OLD


# --- the CLI ---------------------------------------------------------------------------------------------


async def test_the_cli_sets_the_version_at_creation_and_changes_it(
    cli: Cli,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    made = await cli("orgs", "create", "--name", "Pinned org", "--api-version", OLD, "--json", "--key-ids")
    assert made.code == 0, made.err
    org = made.json()
    test_key = org["api_keys"]["test"]
    assert await version_seen(client, {"Authorization": f"Bearer {test_key}"}) == OLD
    listed = await cli("keys", "list", "--org", org["id"], "--json")
    assert {k["api_version"] for k in listed.json()} == {OLD}
    created = await cli("keys", "create", "--org", org["id"], "--mode", "live", "--json")
    assert created.code == 0 and created.json()["api_version"] == NEW
    pinned = await cli("keys", "create", "--org", org["id"], "--api-version", OLD, "--json")
    assert pinned.code == 0 and pinned.json()["api_version"] == OLD
    moved = await cli("keys", "set-version", org["api_key_ids"]["test"], NEW, "--json")
    assert moved.code == 0, moved.err
    assert moved.json()["api_version"] == NEW and moved.json()["id"] == org["api_key_ids"]["test"]
    assert "secret" not in moved.json() and test_key not in moved.out
    # Another process: this one sees the new pin within api_key_cache_seconds (the cache is cleared here).
    text = await cli("keys", "set-version", org["api_key_ids"]["test"], OLD)
    assert text.code == 0 and OLD in text.out


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "set-version", "key_nope", "2026-12-01"),
        ("keys", "set-version", "key_nope", "2030-01-01"),
        ("orgs", "create", "--name", "x", "--api-version", "soon"),
    ],
)
async def test_the_cli_refuses_unknown_versions_and_keys(cli: Cli, args: tuple[str, ...]) -> None:  # noqa: F811
    r = await cli(*args)
    assert r.code != 0
    if "2026-12-01" not in args:
        assert r.code == 2 and "the API version must be one of 2026-11-01, 2026-12-01" in (r.err + r.out)
