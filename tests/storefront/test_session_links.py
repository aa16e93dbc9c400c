"""Session links (POST /v1/storefront/sessions): single use, expiry, refresh, allowed origins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import update

from rewardkit.kit.db import utcnow
from rewardkit.runtime import Runtime
from rewardkit.storefront.models import StorefrontSessionLink
from rewardkit.storefront.sessions import COOKIE
from tests.storefront.helpers import (
    RETURN,
    S,
    cookie_of,
    follow,
    forget_cookies,
    new_org,
    path_of,
    problem,
    session_body,
    session_link,
    signed_in,
    store,
)


async def test_a_link_signs_the_member_in_once(client: httpx.AsyncClient, ctx: Runtime) -> None:
    signed = await signed_in(client, ctx)
    assert signed.token.startswith("mss_")
    # The session is a member_session principal of that member (GET /v1/session takes it as a bearer).
    r = await client.get("/v1/session", headers={"Authorization": f"Bearer {signed.token}"})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "member_session" and r.json()["subject"] == signed.member_id


async def test_a_head_does_not_spend_the_link(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    link = await session_link(client, org, "user_h")
    head = await client.head(path_of(link["url"]))  # a link checker or a preview
    assert head.status_code == 200 and "set-cookie" not in head.headers
    r = await follow(client, link["url"])
    assert r.status_code == 303 and r.headers["location"].startswith("/s/")  # signed in, not refresh_url


async def test_second_use_goes_to_refresh_url(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    link = await session_link(client, org, "user_1")
    assert (await follow(client, link["url"])).status_code == 303
    again = await follow(client, link["url"])
    assert again.status_code == 303
    assert again.headers["location"] == RETURN + "/store"
    assert COOKIE not in again.headers.get("set-cookie", "")
    assert again.headers["referrer-policy"] == "no-referrer"


async def test_expired_link_goes_to_refresh_url(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    link = await session_link(client, org, "user_2", refresh_url=RETURN + "/again?x=1")
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(StorefrontSessionLink)
            .where(StorefrontSessionLink.member_id == "user_2")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    r = await follow(client, link["url"])
    assert r.status_code == 303 and r.headers["location"] == RETURN + "/again?x=1"


async def test_link_expires_within_five_minutes(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    from datetime import datetime

    link = await session_link(client, org, "user_3")
    assert link["expires_at"].endswith("Z")  # like every timestamp of the API, not "+00:00"
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(0) < expires - utcnow() <= timedelta(minutes=5)
    assert link["url"].startswith("http://testserver/s/")


async def test_refresh_makes_a_new_working_link(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    first = await session_link(client, org, "user_4")
    assert (await follow(client, first["url"])).status_code == 303
    # refresh_url's handler (the customer's) asks for a new one: it works, the old one still does not.
    second = await session_link(client, org, "user_4")
    r = await follow(client, second["url"])
    assert r.status_code == 303 and r.headers["location"].startswith("/s/")
    cookie_of(r)
    assert (await follow(client, first["url"])).headers["location"] == RETURN + "/store"


async def test_unknown_or_other_store_token_is_a_404_page(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org_a, org_b = await new_org(ctx), await new_org(ctx)
    await store(client, org_a)
    b = await store(client, org_b)
    link = await session_link(client, org_a, "user_5")
    token = path_of(link["url"]).rsplit("/", 1)[1]
    r = await follow(client, f"/s/{b['slug']}/enter/{token}")  # A's token on B's slug
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    r = await follow(client, f"/s/{b['slug']}/enter/sfl_{'x' * 43}")
    assert r.status_code == 404
    # The store is known: its page wears the store's brand and links back to the customer's site.
    assert 'data-testid="brand-name"' in r.text and f'href="{RETURN}/"' in r.text
    assert b["title"] in r.text and "Test mode" in r.text
    r = await follow(client, f"/s/no-such-store-here/enter/sfl_{'x' * 43}")
    assert r.status_code == 404 and 'data-testid="brand-name"' not in r.text
    # A's link still works on A's store: the failed tries did not use it.
    assert (await follow(client, link["url"])).status_code == 303


async def test_return_and_refresh_urls_must_match_an_allowed_origin(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    for over in (
        {"return_url": "https://evil.example.com/x"},
        {"refresh_url": "https://app.example.com.evil.example/x"},
        {"return_url": "http://app.example.com/x"},  # the scheme is part of the origin
        {"return_url": "javascript:alert(1)"},
        {"return_url": "/relative"},
    ):
        r = await client.post(f"{S}/sessions", json=session_body("user_6", **over), headers=org.h())
        problem(r, 422, "return_url_not_allowed")


async def test_bad_session_bodies_are_422(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    for over in ({"member_id": "has space"}, {"email": "nope"}, {"country": "XX"}, {"extra": 1}, {"member_id": ""}):
        r = await client.post(f"{S}/sessions", json={**session_body("user_7"), **over}, headers=org.h())
        problem(r, 422, "validation_error")


async def test_session_needs_a_store(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    r = await client.post(f"{S}/sessions", json=session_body("user_8"), headers=org.h())
    problem(r, 404, "storefront_not_found")


async def test_member_is_created_then_updated_without_erasing(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    body = await store(client, org)
    await session_link(client, org, "user_9", email="ada@example.com", name="Ada", country="FR")
    await session_link(client, org, "user_9", name="Ada L.")
    r = await client.get(f"/v1/points_programs/{body['program_id']}/members/user_9", headers=org.h())
    m = r.json()
    assert (m["email"], m["name"], m["country"]) == ("ada@example.com", "Ada L.", "FR")


async def test_cookie_flags(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    body = await store(client, org)
    link = await session_link(client, org, "user_10")
    r = await follow(client, link["url"])
    [header] = [h for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    flags = {p.strip().split("=", 1)[0].lower(): p.strip() for p in header.split(";")[1:]}
    assert "httponly" in flags and "secure" in flags
    assert flags["samesite"].lower() == "samesite=lax"
    assert flags["path"] == f"Path=/s/{body['slug']}"
    # Off (local http): no Secure.
    ctx.settings.storefront_cookie_secure = False
    try:
        link = await session_link(client, org, "user_10")
        r = await follow(client, link["url"])
    finally:
        ctx.settings.storefront_cookie_secure = True
    [header] = [h for h in r.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    assert "secure" not in header.lower()


async def test_two_racing_opens_sign_in_once(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    await store(client, org)
    link = await session_link(client, org, "user_11")
    answers = await asyncio.gather(*(client.get(path_of(link["url"])) for _ in range(4)))
    homes = [r for r in answers if r.headers["location"].startswith("/s/")]
    assert len(homes) == 1 and all(r.headers["location"] == RETURN + "/store" for r in answers if r not in homes)
    forget_cookies(client)
