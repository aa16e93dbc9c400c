"""The store's pages (#15) as a member uses them: the real server under uvicorn, real headless Chromium.
The whole journey arriving by session link and by JWT (HS256): browse, search, filter, redeem, see the
voucher in "my rewards", reveal the code, sign out back to the customer's site; the same with JavaScript
off; axe-core on every page at 375 and 1280 px; no request to another host. With REWARDKIT_SCREENSHOTS=1
the journey saves each page to docs/img/storefront/<page>.png (docs/storefront.md shows them)."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from rewardkit.config import Settings
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.web.conftest import CHROMIUM, Watch, axe_on, uvicorn_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")

WIDTHS = (375, 1280)
SHOTS = Path(__file__).resolve().parents[2] / "docs/img/storefront"


@pytest.fixture(scope="module")
def store_server(ctx: Runtime, database_url: str, settings: Settings, server_logdir: Path) -> Iterator[str]:
    """The real app; the store's cookie without Secure (plain http on loopback)."""
    with uvicorn_server(
        database_url,
        settings,
        server_logdir,
        REWARDKIT_STOREFRONT_COOKIE_SECURE="false",
        REWARDKIT_AUTH_FAILURE_LIMIT="100000/minute",
    ) as base:
        yield base


@dataclass
class Shop:
    server: str
    org: OrgHandle
    store: dict[str, Any]
    program_id: str

    @property
    def base(self) -> str:
        return f"{self.server}/s/{self.store['slug']}"

    @property
    def back(self) -> str:
        return f"{self.server}/healthz"  # where sign-out goes: the customer's site (this server, loopback)


async def open_shop(server: str, org: OrgHandle, origins: list[str] | None = None) -> Shop:
    async with httpx.AsyncClient(base_url=server, timeout=30, headers=org.h()) as api:
        r = await api.post(
            "/v1/points_programs", json={"name": "Acme Points", "currency": "USD", "points_per_unit": 100}
        )
        assert r.status_code == 200, r.text
        pid = r.json()["id"]
        body = {"program_id": pid, "title": "Acme Rewards Store", "allowed_return_origins": origins or [server],
                "branding": {"display_name": "Acme", "accent_color": "#1a5276"}}  # fmt: skip
        r = await api.put("/v1/storefront", json=body)
        assert r.status_code in (200, 201), r.text
        return Shop(server, org, r.json(), pid)


async def credit(shop: Shop, member_id: str, points: int) -> None:
    async with httpx.AsyncClient(base_url=shop.server, timeout=30, headers=shop.org.h()) as api:
        url = f"/v1/points_programs/{shop.program_id}/members/{member_id}/credits"
        r = await api.post(url, json={"points": points, "reference": "c-" + secrets.token_hex(4)})
        assert r.status_code == 200, r.text


async def session_link(shop: Shop, member_id: str) -> str:
    body = {"member_id": member_id, "email": f"{member_id}@example.com", "name": "Ada", "country": "US",
            "return_url": shop.back, "refresh_url": shop.back}  # fmt: skip
    async with httpx.AsyncClient(base_url=shop.server, timeout=30, headers=shop.org.h()) as api:
        r = await api.post("/v1/storefront/sessions", json=body)
        assert r.status_code == 200, r.text
        return str(r.json()["url"])


async def jwt_url(shop: Shop, member_id: str) -> str:
    async with httpx.AsyncClient(base_url=shop.server, timeout=30, headers=shop.org.h()) as api:
        r = await api.post("/v1/storefront/sso_secrets")
        assert r.status_code == 200, r.text
        secret = r.json()
    now = int(time.time())
    claims = {"sub": member_id, "iat": now, "exp": now + 120, "jti": secrets.token_hex(8),
              "aud": shop.store["sso_audience"], "email": f"{member_id}@example.com", "name": "Grace",
              "country": "US", "return_url": shop.back}  # fmt: skip
    token = jwt.encode(claims, secret["secret"], algorithm="HS256", headers={"kid": secret["id"]})
    return f"{shop.base}/sso?token={token}"


async def order_code(shop: Shop, order_id: str) -> str:
    async with httpx.AsyncClient(base_url=shop.server, timeout=30, headers=shop.org.h()) as api:
        r = await api.get(f"/v1/orders/{order_id}")
        assert r.status_code == 200, r.text
        return str(r.json()["voucher"]["code"])


async def new_page(browser: Browser, server: str, *, js: bool = True, width: int = 375, axe: bool = False
                   ) -> tuple[BrowserContext, Page, Watch]:  # fmt: skip
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=js, bypass_csp=axe
    )
    page = await context.new_page()
    watch = Watch(host=urlsplit(server).netloc)
    watch.attach(page)
    return context, page, watch


def clean(watch: Watch) -> None:
    assert watch.other_hosts() == []
    errors = [e for e in watch.console_errors if not e.startswith("Failed to load resource: the server responded")]
    assert errors == [] and watch.page_errors == [], (errors, watch.page_errors)
    assert not [b for b in watch.bad_status if "/static/" in b], watch.bad_status
    assert watch.failed == []


async def shot(page: Page, name: str) -> None:
    if os.environ.get("REWARDKIT_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def journey(page: Page, shop: Shop, member_id: str, *, screenshots: bool = False) -> str:
    """Signed in on the home page: search, open a product, redeem, reveal, my rewards, sign out. The order id."""
    assert await page.get_by_test_id("balance").inner_text() == "5,000 points to spend"
    if screenshots:
        await shot(page, "home")
    await page.get_by_test_id("search").first.fill("amazon")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url("**/catalog?q=amazon")
    card = page.locator('[data-product="amazon_us"]')
    assert await card.count() == 1
    assert await page.locator('[data-product="amazon_gb"]').count() == 0  # the member is in the US
    if screenshots:
        await shot(page, "catalog")
    await card.get_by_role("link").click()
    await page.wait_for_url("**/products/amazon_us")
    await page.get_by_label("25.00 USD").check()
    if screenshots:
        await shot(page, "product")
    await page.get_by_test_id("continue").click()
    await page.wait_for_url("**/checkout?**")
    assert await page.get_by_test_id("confirm-points").inner_text() == "2,500 points"
    if screenshots:
        await shot(page, "checkout")
    await page.get_by_test_id("redeem").click()
    await page.wait_for_url("**/rewards/ord_*")
    order_id = page.url.rsplit("/", 1)[-1]
    assert await page.get_by_test_id("code").count() == 0  # hidden until asked
    await page.get_by_test_id("reveal").click()
    await page.wait_for_url("**?code=shown")
    code = await page.get_by_test_id("code").get_attribute("data-value")
    assert code == await order_code(shop, order_id)
    if screenshots:
        await shot(page, "reward")
    await page.get_by_test_id("nav-rewards").click()
    await page.wait_for_url("**/rewards")
    assert await page.locator(f'[data-order="{order_id}"]').count() == 1
    assert (await page.get_by_test_id("nav-balance").inner_text()).endswith("2,500 pts")
    if screenshots:
        await shot(page, "rewards")
    await page.get_by_test_id("signout").click()
    await page.wait_for_url(shop.back)
    await page.goto(f"{shop.base}/rewards")
    assert "Please sign in again" in await page.content()
    if screenshots:
        await shot(page, "signed-out")
    return order_id


async def test_sign_out_lands_on_the_customers_own_site(store_server: str, browser: Browser, make_org: MakeOrg) -> None:
    """The customer's site is another origin (as in production): the sign-out form's 303 must get there,
    which the page's CSP form-action has to allow. The other origin is answered by the browser itself."""
    site = "https://app.acme.example"
    shop = await open_shop(store_server, await make_org(USD="500.00"), origins=[store_server, site])
    body = {"member_id": "eve_" + secrets.token_hex(3), "return_url": f"{site}/account", "refresh_url": f"{site}/r"}
    async with httpx.AsyncClient(base_url=shop.server, timeout=30, headers=shop.org.h()) as api:
        r = await api.post("/v1/storefront/sessions", json=body)
        assert r.status_code == 200, r.text
    context, page, _ = await new_page(browser, store_server)
    try:
        await context.route(f"{site}/**", lambda route: route.fulfill(status=200, body="<h1>Acme app</h1>",
                                                                      content_type="text/html"))  # fmt: skip
        await page.goto(r.json()["url"])
        await page.wait_for_url(f"{shop.base}/")
        await page.get_by_test_id("signout").click()
        await page.wait_for_url(f"{site}/account")
    finally:
        await context.close()


async def test_journey_by_session_link(store_server: str, browser: Browser, make_org: MakeOrg) -> None:
    shop = await open_shop(store_server, await make_org(USD="500.00"))
    member = "ada_" + secrets.token_hex(3)
    url = await session_link(shop, member)
    await credit(shop, member, 5000)
    context, page, watch = await new_page(browser, store_server)
    try:
        await page.goto(url)
        await page.wait_for_url(f"{shop.base}/")
        await journey(page, shop, member, screenshots=True)
        clean(watch)
    finally:
        await context.close()


async def test_journey_by_jwt_with_filters(store_server: str, browser: Browser, make_org: MakeOrg) -> None:
    shop = await open_shop(store_server, await make_org(USD="500.00"))
    member = "grace_" + secrets.token_hex(3)
    url = await jwt_url(shop, member)
    context, page, watch = await new_page(browser, store_server, width=1280)
    try:
        await page.goto(url)
        await page.wait_for_url(f"{shop.base}/")
        await credit(shop, member, 5000)
        await page.goto(f"{shop.base}/catalog")
        await page.get_by_test_id("category").select_option("gift_card")
        await page.get_by_test_id("max").fill("1000")
        await page.get_by_test_id("apply").click()
        await page.wait_for_url("**category=gift_card**")
        prices = await page.get_by_test_id("price").all_inner_texts()
        # every reward shown costs at most 1,000 points (its cheapest amount), as the filter asked
        assert prices and all(int(p.replace(",", "").split()[-2]) <= 1000 for p in prices), prices
        await page.goto(f"{shop.base}/")
        await journey(page, shop, member)
        clean(watch)
    finally:
        await context.close()


async def test_journey_with_javascript_off(store_server: str, browser: Browser, make_org: MakeOrg) -> None:
    shop = await open_shop(store_server, await make_org(USD="500.00"))
    member = "nojs_" + secrets.token_hex(3)
    url = await session_link(shop, member)
    await credit(shop, member, 5000)
    context, page, watch = await new_page(browser, store_server, js=False)
    try:
        await page.goto(url)
        await page.wait_for_url(f"{shop.base}/")
        await journey(page, shop, member)
        clean(watch)
    finally:
        await context.close()


async def test_every_page_has_no_serious_accessibility_violation(
    store_server: str, browser: Browser, make_org: MakeOrg
) -> None:
    shop = await open_shop(store_server, await make_org(USD="500.00"))
    member = "axe_" + secrets.token_hex(3)
    url = await session_link(shop, member)
    await credit(shop, member, 5000)
    context, page, _ = await new_page(browser, store_server, axe=True)
    try:
        await page.goto(url)
        await page.goto(f"{shop.base}/checkout?product=amazon_us&denomination=10")
        await page.get_by_test_id("redeem").click()
        await page.wait_for_url("**/rewards/ord_*")
        reward = page.url
        pages = [
            f"{shop.base}/",
            f"{shop.base}/catalog",
            f"{shop.base}/catalog?q=amazon&category=gift_card&min=1000&max=20000",
            f"{shop.base}/catalog?q=zzzz-nothing",
            f"{shop.base}/products/amazon_us",
            f"{shop.base}/products/american_red_cross_us",
            f"{shop.base}/checkout?product=amazon_us&denomination=25",
            f"{shop.base}/checkout?product=amazon_us&denomination=200",  # not enough points
            reward,
            reward + "?code=shown",
            f"{shop.base}/rewards",
            f"{shop.base}/rewards/ord_unknown",  # 404
        ]
        found: dict[str, Any] = {}
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": 900})
            for target in pages:
                await page.goto(target, wait_until="load")
                bad = await axe_on(page)
                if bad:
                    found[f"{width} {target}"] = [(v["id"], v["impact"], v["help"]) for v in bad]
        await page.context.clear_cookies()
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": 900})
            for name, target in (
                ("signed-out", f"{shop.base}/"),  # the 401 page
                ("sso-refused", f"{shop.base}/sso?token=garbage"),
                ("unknown-link", f"{shop.base}/enter/sfl_{'x' * 43}"),
                ("unknown-address", f"{shop.base}/no-such-page"),
            ):
                await page.goto(target, wait_until="load")
                bad = await axe_on(page)
                if bad:
                    found[f"{width} {name}"] = [(v["id"], v["impact"], v["help"]) for v in bad]
        assert found == {}
    finally:
        await context.close()
