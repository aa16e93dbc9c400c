"""The hosted claim page /l/{token} (#13) through httpx: the same rules as the claim API (it calls the
same service functions), plain HTML forms with a CSRF field, a confirmation step, PRG after a claim,
closed links that offer nothing to click, security headers, the email code, and the limit on unknown
tokens per client address. Both databases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from rewardkit.app import create_app
from rewardkit.config import Settings
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import create, problem, token_of, usd
from tests.links.test_claims import link_orders
from tests.links.test_verification import emailed_codes

GIFT_CARDS = ["amazon_us", "apple_us", "best_buy_us", "google_play_us", "hm_us", "netflix_us", "nintendo_eshop_us",
              "playstation_us", "spotify_us", "starbucks_us", "steam_us", "target_us"]  # fmt: skip


async def csrf_from_confirm(client: httpx.AsyncClient, token: str) -> str:
    r = await client.get(f"/l/{token}/confirm", params={"product": "amazon_us", "denomination": "10.00"})
    return csrf_of(r.text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, html
    return found.group(1)


def no_controls(html: str) -> None:
    assert "<form" not in html and "<button" not in html and "<input" not in html, html


def headers_ok(r: httpx.Response) -> None:
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'") and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"


async def test_the_page_shows_the_link_and_claims_through_a_confirmation(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    token = token_of(link)
    r = await client.get(f"/l/{token}")
    assert r.status_code == 200, r.text
    headers_ok(r)
    html = r.text
    assert "25.00" in html and "Thanks!" in html and "From Acme" in html and link["expires_at"][:10] in html
    assert f'action="/l/{token}/confirm"' in html and 'value="amazon_us"' in html
    assert "ada@example.com" not in html and link["id"] not in html
    got = (await client.get(f"/v1/reward_links/{link['id']}", headers=org.h())).json()
    assert got["status"] == "opened"  # the page is the claim API's first look

    r = await client.get(f"/l/{token}/confirm", params={"product": "amazon_us", "denomination": "25.00"})
    assert r.status_code == 200, r.text
    headers_ok(r)
    assert f'action="/l/{token}/claim"' in r.text and "Claim Amazon" in r.text
    assert await link_orders(ctx, link["id"]) == []  # the confirmation writes nothing
    form = {"csrf": csrf_of(r.text), "product": "amazon_us", "denomination": "25.00", "currency": "USD"}
    r = await client.post(f"/l/{token}/claim", data=form)
    assert r.status_code == 303, r.text
    [order] = await link_orders(ctx, link["id"])
    assert r.headers["location"] == f"/l/{token}?claimed={order.id}"
    r = await client.get(r.headers["location"])
    assert r.status_code == 200
    code = ctx.keyring.decrypt(order.voucher_code or "")
    assert f'data-value="{code}"' in r.text and "Your reward is ready" in r.text
    assert "Choose your reward" not in r.text and "<form" not in r.text
    # A reload of the POST (or another tab) claims nothing more: the link is claimed, and says so.
    r = await client.post(f"/l/{token}/claim", data=form)
    assert r.status_code == 409 and "already claimed" in r.text
    no_controls(r.text)
    r = await client.get(f"/l/{token}")
    assert r.status_code == 200 and "already claimed" in r.text
    no_controls(r.text)
    assert len(await link_orders(ctx, link["id"])) == 1
    assert await usd(client, org) == (7500, 0, 0)


async def test_a_split_link_is_claimed_twice_and_shows_what_is_left(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, value=35, allow_split=True)
    token = token_of(link)
    csrf = await csrf_from_confirm(client, token)
    form = {"csrf": csrf, "product": "amazon_us", "denomination": "25.00", "currency": "USD"}
    r = await client.post(f"/l/{token}/claim", data=form)
    assert r.status_code == 303, r.text
    r = await client.get(r.headers["location"])
    assert "Your reward is ready" in r.text and "There is more to claim" in r.text
    assert re.search(r'data-testid="remaining">10.00 USD', r.text)
    assert 'value="10.00"' in r.text  # amazon_us 10.00 is what still fits
    r = await client.post(f"/l/{token}/claim", data={**form, "denomination": "25.00"})
    assert r.status_code == 422 and "at most 10.00 USD" in r.text  # more than is left: the claim API's rule
    r = await client.post(f"/l/{token}/claim", data={**form, "denomination": "10.00"})
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    assert "Your reward is ready" in r.text and "There is more to claim" not in r.text
    assert len(await link_orders(ctx, link["id"])) == 2
    assert await usd(client, org) == (6500, 0, 0)


async def test_many_choices_get_a_search_that_works_without_javascript(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, choice={"products": GIFT_CARDS})
    token = token_of(link)
    html = (await client.get(f"/l/{token}")).text
    assert 'role="search"' in html and f"Search {len(GIFT_CARDS)} rewards" in html
    assert html.count('data-testid="choice"') == len(GIFT_CARDS)
    html = (await client.get(f"/l/{token}", params={"q": "play"})).text
    shown = re.findall(r'data-product="([a-z_]+)"', html)
    assert sorted(shown) == ["google_play_us", "playstation_us"]
    html = (await client.get(f"/l/{token}", params={"q": "nothing like it"})).text
    assert 'data-testid="no-results"' in html and 'data-testid="choice"' not in html
    few = await create(client, org)
    assert 'role="search"' not in (await client.get(f"/l/{token_of(few)}")).text


async def test_expired_canceled_and_unknown_links_offer_nothing(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    canceled = await create(client, org)
    assert (await client.post(f"/v1/reward_links/{canceled['id']}/cancel", headers=org.h())).status_code == 200
    r = await client.get(f"/l/{token_of(canceled)}")
    assert r.status_code == 410 and "This reward was canceled" in r.text
    headers_ok(r)
    no_controls(r.text)
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    expiring = await create(client, org, expires_at=soon)
    ttl = datetime.fromisoformat(expiring["expires_at"]) - datetime.now(UTC)
    import asyncio

    await asyncio.sleep(max(0.0, ttl.total_seconds()) + 0.1)
    for path in ("", "/confirm?product=amazon_us&denomination=25.00"):
        r = await client.get(f"/l/{token_of(expiring)}{path}")
        assert r.status_code == 410 and "This reward has expired" in r.text
        no_controls(r.text)
    r = await client.get("/l/" + "A" * 32)
    assert r.status_code == 404 and "This reward link is not valid" in r.text
    headers_ok(r)
    no_controls(r.text)
    r = await client.post("/l/" + "A" * 32 + "/claim", data={"csrf": "x"})
    assert r.status_code == 403  # no csrf can be right for a token that opens nothing


async def test_a_form_without_its_csrf_field_or_from_another_origin_is_refused(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    token = token_of(link)
    r = await client.get(f"/l/{token}/confirm", params={"product": "amazon_us", "denomination": "25.00"})
    csrf = csrf_of(r.text)
    form = {"product": "amazon_us", "denomination": "25.00", "currency": "USD"}
    for data, headers in (
        (form, {}),
        ({**form, "csrf": "0" * 64}, {}),
        ({**form, "csrf": csrf}, {"Origin": "https://evil.example"}),
        ({**form, "csrf": csrf}, {"Sec-Fetch-Site": "cross-site"}),
        ({**form, "csrf": csrf}, {"Sec-Fetch-Site": "same-site"}),
    ):
        r = await client.post(f"/l/{token}/claim", data=data, headers=headers)
        assert r.status_code == 403, r.text
        no_controls(r.text)
    other = await create(client, org)
    r = await client.post(f"/l/{token_of(other)}/claim", data={**form, "csrf": csrf})  # another link's field
    assert r.status_code == 403
    assert await link_orders(ctx, link["id"]) == [] and (await usd(client, org))[0] == 5000
    r = await client.post(f"/l/{token}/claim", data={**form, "csrf": csrf}, headers={"Origin": "http://testserver"})
    assert r.status_code == 303


async def test_bad_choices_are_told_on_the_page_and_write_nothing(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    token = token_of(link)
    r = await client.get(f"/l/{token}/confirm", params={"product": "amazon_us", "denomination": "25.00"})
    csrf = csrf_of(r.text)
    for params in (
        {"product": "apple_us", "denomination": "25.00"},
        {"product": "amazon_us", "denomination": "10.00"},
        {"product": "amazon_us", "denomination": "NaN"},
        {"product": "amazon_us", "denomination": "1e999"},
        {},
    ):
        r = await client.get(f"/l/{token}/confirm", params=params)
        assert r.status_code == 422 and 'data-testid="error"' in r.text, params
    for data in (
        {"product": "apple_us", "denomination": "25.00", "currency": "USD"},
        {"product": "amazon_us", "denomination": "10.00", "currency": "USD"},
        {"product": "amazon_us", "denomination": "25.00", "currency": "EUR"},
        {"product": "amazon_us", "denomination": "-1", "currency": "USD"},
        {"product": "", "denomination": "", "currency": ""},
    ):
        r = await client.post(f"/l/{token}/claim", data={**data, "csrf": csrf})
        assert r.status_code == 422 and 'data-testid="error"' in r.text, (data, r.text)
    r = await client.post(f"/l/{token}/claim", content=b"\xff\xfe", headers={"Content-Type": "text/plain"})
    assert r.status_code == 403
    assert await link_orders(ctx, link["id"]) == [] and (await usd(client, org))[0] == 7500


async def test_the_page_asks_for_the_emailed_code_first(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, verification="email_otp")
    token = token_of(link)
    html = (await client.get(f"/l/{token}")).text
    assert "Email me a code" in html and 'data-testid="choice"' not in html and "25.00" in html
    csrf = csrf_of(html)
    # No claim before the code, even with a well-formed form: back to the page.
    r = await client.post(f"/l/{token}/claim", data={"csrf": csrf, "product": "amazon_us", "denomination": "25.00",
                                                      "currency": "USD"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/l/{token}"
    r = await client.get(f"/l/{token}/confirm", params={"product": "amazon_us", "denomination": "25.00"})
    assert r.status_code == 303
    r = await client.post(f"/l/{token}/verification", data={"csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/l/{token}?sent=1"
    html = (await client.get(r.headers["location"])).text
    assert 'autocomplete="one-time-code"' in html
    [(_, code)] = await emailed_codes(ctx, link["id"])
    r = await client.post(f"/l/{token}/verification/check", data={"csrf": csrf, "code": "000000" if code != "000000"
                                                                  else "111111"})  # fmt: skip
    assert r.status_code == 422 and "4 attempts left" in r.text
    r = await client.post(f"/l/{token}/verification/check", data={"csrf": csrf, "code": f"{code[:3]} {code[3:]}"})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/l/" in cookie
    assert token not in cookie.split(";")[0].split("=")[0]
    html = (await client.get(f"/l/{token}")).text
    assert 'data-testid="choice"' in html and "Email me a code" not in html
    r = await client.post(f"/l/{token}/claim", data={"csrf": csrf, "product": "amazon_us", "denomination": "25.00",
                                                      "currency": "USD"})  # fmt: skip
    assert r.status_code == 303 and "claimed=" in r.headers["location"]
    client.cookies.clear()
    # Without the cookie the voucher stays hidden even with the order id.
    html = (await client.get(r.headers["location"])).text
    assert "Your reward is ready" not in html


@asynccontextmanager
async def app_with(settings: Settings, **over: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    application = create_app(settings.model_copy(update=over))
    async with LifespanManager(application):
        clients = {
            addr: httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application, client=(addr, 50000)), base_url="http://testserver"
            )
            for addr in ("203.0.113.7", "198.51.100.9")
        }
        try:
            yield clients
        finally:
            for c in clients.values():
                await c.aclose()


async def test_unknown_tokens_from_one_address_are_limited(
    settings: Settings, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    token = token_of(link)
    async with app_with(settings, token_failure_limit="3/hour") as clients:
        guesser, other = clients["203.0.113.7"], clients["198.51.100.9"]
        assert (await guesser.get(f"/v1/link_claims/{token}")).status_code == 200  # a right token counts nothing
        problem(await guesser.get("/v1/link_claims/" + "A" * 32), 404, "reward_link_not_found")
        assert (await guesser.get("/l/" + "B" * 32)).status_code == 404
        problem(await guesser.post("/v1/link_claims/" + "C" * 32 + "/verification"), 404, "reward_link_not_found")
        # Three unknown tokens: the address is refused every lookup now, the right token too.
        r = await guesser.get(f"/v1/link_claims/{token}")
        problem(r, 429, "too_many_token_failures")
        assert 1 <= int(r.headers["retry-after"]) <= 3600
        problem(
            await guesser.post(f"/v1/link_claims/{token}/redeem", json={"product_id": "amazon_us",
                                                                        "denomination": 25, "currency": "USD"}),
            429,
            "too_many_token_failures",
        )  # fmt: skip
        r = await guesser.get(f"/l/{token}")
        assert r.status_code == 429 and "Too many attempts" in r.text
        no_controls(r.text)
        # Another address is not affected.
        assert (await other.get(f"/v1/link_claims/{token}")).status_code == 200
        assert (await other.get(f"/l/{token}")).status_code == 200
