"""The store's settings (PUT/GET /v1/storefront), SSO secrets without a store, member sessions'
timeouts and isolation between stores."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from rewardkit.kit.db import utcnow
from rewardkit.runtime import Runtime
from rewardkit.storefront import sessions
from rewardkit.storefront.models import StorefrontSession
from tests.storefront.helpers import RETURN, S, new_org, problem, program, signed_in, store, store_body


async def test_put_creates_then_replaces_keeping_the_slug(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    first = await store(client, org)
    assert first["object"] == "storefront" and first["livemode"] is False
    assert first["slug"].startswith("test-acme-store-")
    assert first["sso_audience"] == first["sso"]["audience"] == f"rewardkit:storefront:{first['id']}"
    assert first["url"] == f"http://testserver/s/{first['slug']}/"
    assert first["sso"] == {**first["sso"], "jwks_url": None, "algorithms": ["HS256"]}
    got = await client.get(S, headers=org.h())
    assert got.status_code == 200 and got.json() == first
    over = {
        "title": "Renamed",
        "branding": {"accent_color": "#0B5394"},
        "categories": {"exclude": ["gaming", "gaming"]},
        "allowed_frame_ancestors": ["https://app.example.com"],
    }
    r = await client.put(S, json=store_body(first["program_id"], **over), headers=org.h())
    second = r.json()
    assert r.status_code == 200 and second["id"] == first["id"] and second["slug"] == first["slug"]
    assert second["title"] == "Renamed" and second["branding"]["accent_color"] == "#0b5394"
    assert second["categories"] == {"include": [], "exclude": ["gaming"]}
    shown = await sessions.store_by_slug(ctx, second["slug"])
    assert shown is not None and shown.frame.accent == "#0b5394" and shown.frame_ancestors == (RETURN,)
    assert shown.exclude_categories == ("gaming",)


async def test_slugs_test_prefix_and_uniqueness(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org, other = await new_org(ctx), await new_org(ctx)
    slug = "acme-" + org.id[-6:]
    test = await store(client, org, slug=slug)
    assert test["slug"] == f"test-{slug}"
    live = await store(client, org, "live", slug=slug)
    assert live["slug"] == slug and live["livemode"] is True and live["id"] != test["id"]
    r = await client.put(S, json=store_body(await program(client, other), slug=slug), headers=other.h())
    problem(r, 409, "storefront_slug_taken")
    r = await client.put(
        S, json=store_body(await program(client, other, "live"), slug="test-x"), headers=other.h("live")
    )
    problem(r, 422, "invalid_storefront")
    for bad in ("A", "ab", "-abc", "abc-", "has space", "a" * 41, "ünï"):
        r = await client.put(S, json=store_body(test["program_id"], slug=bad), headers=org.h())
        problem(r, 422, "validation_error")
    for title in ("   ", "", "a\u0007b", "x" * 101):
        r = await client.put(S, json=store_body(test["program_id"], title=title), headers=org.h())
        problem(r, 422, "validation_error")


async def test_program_must_be_the_orgs_own_of_that_mode(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org, other = await new_org(ctx), await new_org(ctx)
    for program_id in ("ppg_unknown", await program(client, other), await program(client, org, "live")):
        r = await client.put(S, json=store_body(program_id), headers=org.h())
        body = problem(r, 422, "invalid_storefront")
        assert body["errors"][0]["field"] == "program_id"
    problem(await client.get(S, headers=org.h()), 404, "storefront_not_found")


async def test_origins_are_checked(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    pid = await program(client, org)
    live_pid = await program(client, org, "live")
    for bad in (
        "http://app.example.com",  # http only for localhost, in test mode
        "https://app.example.com/path",
        "https://app.example.com?q=1",
        "https://user:pw@app.example.com",
        "ftp://app.example.com",
        "app.example.com",
        "https://",
        "https://exa mple.com",
    ):
        for field in ("allowed_return_origins", "allowed_frame_ancestors"):
            r = await client.put(S, json=store_body(pid, **{field: [bad]}), headers=org.h())
            body = problem(r, 422, "invalid_storefront")
            assert body["errors"][0]["field"] == f"{field}.0", body
    ok = await client.put(
        S,
        json=store_body(pid, allowed_return_origins=["http://localhost:3000", "HTTPS://App.Example.com:443/"]),
        headers=org.h(),
    )
    assert ok.status_code == 200 and ok.json()["allowed_return_origins"] == ["http://localhost:3000", RETURN]
    r = await client.put(
        S, json=store_body(live_pid, allowed_return_origins=["http://localhost:3000"]), headers=org.h("live")
    )
    problem(r, 422, "invalid_storefront")
    many = [f"https://a{i}.example.com" for i in range(21)]
    problem(
        await client.put(S, json=store_body(pid, allowed_return_origins=many), headers=org.h()), 422, "validation_error"
    )
    problem(
        await client.put(S, json=store_body(pid, allowed_return_origins=[]), headers=org.h()), 422, "validation_error"
    )


async def test_branding_and_sso_settings_are_checked(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    pid = await program(client, org)
    live_pid = await program(client, org, "live")
    problem(
        await client.put(S, json=store_body(pid, branding={"accent_color": "red"}), headers=org.h()),
        422,
        "invalid_branding",
    )
    for sso in (
        {"jwks_url": "https://idp.example.com/jwks", "algorithms": ["HS256"]},  # algorithm confusion
        {"algorithms": ["RS256"]},  # no JWKS to verify with
        {"jwks_url": "http://169.254.169.254/jwks"},  # metadata, in every mode
        {"jwks_url": "not a url"},
    ):
        r = await client.put(S, json=store_body(pid, sso=sso), headers=org.h())
        body = problem(r, 422, "invalid_storefront")
        assert body["errors"][0]["field"].startswith("sso."), body
    r = await client.put(
        S, json=store_body(live_pid, sso={"jwks_url": "http://idp.example.com/jwks"}), headers=org.h("live")
    )
    problem(r, 422, "invalid_storefront")  # https in live mode
    r = await client.put(S, json=store_body(pid, sso={"algorithms": ["none"]}), headers=org.h())
    problem(r, 422, "validation_error")
    r = await client.put(S, json=store_body(pid, sso={"jwks_url": "https://idp.example.com/jwks"}), headers=org.h())
    assert r.status_code == 200 and r.json()["sso"]["algorithms"] == ["RS256", "ES256", "EdDSA"]


async def test_secrets_need_a_store(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    problem(await client.post(f"{S}/sso_secrets", headers=org.h()), 404, "storefront_not_found")
    problem(await client.get(f"{S}/sso_secrets", headers=org.h()), 404, "storefront_not_found")
    problem(await client.delete(f"{S}/sso_secrets/sss_x", headers=org.h()), 404, "storefront_not_found")


async def test_other_orgs_key_sees_only_its_own_store(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org, other = await new_org(ctx), await new_org(ctx)
    mine = await store(client, org)
    secret = (await client.post(f"{S}/sso_secrets", headers=org.h())).json()
    problem(await client.get(S, headers=other.h()), 404, "storefront_not_found")
    problem(await client.get(S, headers=org.h("live")), 404, "storefront_not_found")
    theirs = await store(client, other)
    assert theirs["id"] != mine["id"]
    problem(await client.delete(f"{S}/sso_secrets/{secret['id']}", headers=other.h()), 404, "sso_secret_not_found")
    listed = (await client.get(f"{S}/sso_secrets", headers=other.h())).json()
    assert listed["data"] == []
    assert [s["retired_at"] for s in (await client.get(f"{S}/sso_secrets", headers=org.h())).json()["data"]] == [None]


# --- member sessions ------------------------------------------------------------------------------------


async def test_a_session_reaches_only_its_own_store(client: httpx.AsyncClient, ctx: Runtime) -> None:
    a = await signed_in(client, ctx)
    b = await signed_in(client, ctx)
    assert (await client.get(f"{a.base}/", headers=a.cookie)).status_code == 200
    # A's cookie (sent by hand: a browser would not even send it, its Path is /s/{a.slug}) on B's store.
    assert (await client.get(f"{b.base}/", headers=a.cookie)).status_code == 401
    assert (await client.get(f"{b.base}/", headers=b.cookie)).status_code == 200
    # The member session is no API key.
    r = await client.get(S, headers={"Authorization": f"Bearer {a.token}"})
    problem(r, 403, "principal_not_allowed")


async def test_idle_and_absolute_timeouts(client: httpx.AsyncClient, ctx: Runtime) -> None:
    idle = await signed_in(client, ctx, points=0)
    gone = utcnow() - timedelta(seconds=ctx.settings.storefront_session_idle_seconds + 1)
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(StorefrontSession).where(StorefrontSession.member_id == idle.member_id).values(last_seen_at=gone)
        )
    assert (await client.get(f"{idle.base}/", headers=idle.cookie)).status_code == 401
    absolute = await signed_in(client, ctx, points=0)
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(StorefrontSession)
            .where(StorefrontSession.member_id == absolute.member_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get(f"{absolute.base}/", headers=absolute.cookie)).status_code == 401


async def test_a_visit_moves_last_seen_forward(client: httpx.AsyncClient, ctx: Runtime) -> None:
    signed = await signed_in(client, ctx, points=0)
    earlier = utcnow() - timedelta(seconds=ctx.settings.storefront_session_idle_seconds - 30)
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(StorefrontSession)
            .where(StorefrontSession.member_id == signed.member_id)
            .values(last_seen_at=earlier)
        )
    assert (await client.get(f"{signed.base}/", headers=signed.cookie)).status_code == 200
    async with ctx.db.unit_of_work(readonly=True) as s:
        seen = (
            await s.execute(
                select(StorefrontSession.last_seen_at).where(StorefrontSession.member_id == signed.member_id)
            )
        ).scalar_one()
    assert seen > earlier + timedelta(seconds=25)


async def test_garbage_cookies_are_signed_out(client: httpx.AsyncClient, ctx: Runtime) -> None:
    signed = await signed_in(client, ctx, points=0)
    for value in ("", "mss_" + "x" * 43, "sk_test_" + "x" * 40, signed.token + "x", "lvs_" + "x" * 43):
        r = await client.get(f"{signed.base}/", headers={"Cookie": f"{sessions.COOKIE}={value}"})
        assert r.status_code == 401, value
