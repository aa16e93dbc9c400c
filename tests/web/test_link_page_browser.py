"""The hosted claim page /l/{token} (#13) as a recipient uses it: the real server under uvicorn (its
worker sending mail to a real local SMTP server), in real headless Chromium, with JavaScript on and off.
Pick, confirm, see the voucher; a split link claimed twice; the search; closed links; the emailed code;
two tabs claiming at once; axe-core on every state at 375 and 1280 px; no request to another host;
the access log never shows the token."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from rewardkit.config import Settings
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.links.test_verification import CODE_LINE
from tests.mail.smtp_server import SMTPState, running
from tests.web.conftest import AXE, CHROMIUM, Watch, axe_on, uvicorn_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")

GIFT_CARDS = ["amazon_us", "apple_us", "best_buy_us", "google_play_us", "hm_us", "netflix_us", "nintendo_eshop_us",
              "playstation_us", "spotify_us", "starbucks_us", "steam_us", "target_us"]  # fmt: skip
WIDTHS = (375, 1280)
TOKENS: list[str] = []  # every link token a test opened: none may show in the access log


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[SMTPState]:
    async with running() as state:
        yield state


@pytest.fixture(scope="module")
def link_server(
    ctx: Runtime, database_url: str, settings: Settings, server_logdir: Path, smtp: SMTPState
) -> Iterator[str]:
    """The real app, its in-process worker sending mail to the module's SMTP server."""
    with uvicorn_server(
        database_url,
        settings,
        server_logdir,
        REWARDKIT_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        REWARDKIT_JOB_POLL_SECONDS="0.1",
        REWARDKIT_TOKEN_FAILURE_LIMIT="100000/minute",
        REWARDKIT_AUTH_FAILURE_LIMIT="100000/minute",
    ) as base:
        yield base


async def make_link(server: str, org: OrgHandle, **over: Any) -> dict[str, Any]:
    body = {
        "value": 25,
        "currency": "USD",
        "choice": {"products": ["amazon_us"]},
        "recipient": {"email": "ada@example.com", "name": "Ada", "country": "US"},
        "message": "Thanks for the help with the release!",
        "sender_name": "Acme",
        **over,
    }
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.post("/v1/reward_links", json=body, headers=org.h())
    assert r.status_code == 200, r.text
    link: dict[str, Any] = r.json()
    TOKENS.append(urlsplit(link["url"]).path.removeprefix("/l/"))
    return link


async def link_of(server: str, org: OrgHandle, link_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.get(f"/v1/reward_links/{link_id}", headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def order_code(server: str, org: OrgHandle, order_id: str) -> str:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.get(f"/v1/orders/{order_id}", headers=org.h())
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
    """No request to another host, no script error, no CSP report; the only 4xx are the pages' own
    documents (a closed link is 410, an unknown one 404), never an asset."""
    assert watch.other_hosts() == []
    errors = [e for e in watch.console_errors if not e.startswith("Failed to load resource: the server responded")]
    assert errors == [] and watch.page_errors == [], (errors, watch.page_errors)
    assert not [b for b in watch.bad_status if "/l/" not in b], watch.bad_status
    assert watch.failed == []


async def no_controls(page: Page) -> None:
    assert await page.locator("form, button, input, select").count() == 0, await page.content()


async def pick_and_confirm(page: Page, name: str = "Amazon.com Gift Card", amount: str | None = None) -> None:
    item = page.get_by_test_id("choice").filter(has=page.get_by_role("heading", name=name))
    if amount is not None:
        await item.get_by_label(re.compile("Amount")).select_option(amount)
    await item.get_by_role("button", name=re.compile("Choose")).click()
    await page.wait_for_url(re.compile(r"/confirm\?"))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
async def test_pick_confirm_and_see_the_voucher(
    link_server: str, browser: Browser, make_org: MakeOrg, js: bool
) -> None:
    org = await make_org(USD="100.00")
    link = await make_link(link_server, org)
    context, page, watch = await new_page(browser, link_server, js=js)
    try:
        r = await page.goto(link["url"], wait_until="networkidle")
        assert r is not None and r.status == 200
        headers = await r.all_headers()
        assert headers["referrer-policy"] == "no-referrer" and headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert " ".join((await page.get_by_test_id("value").inner_text()).split()) == "25.00 USD"
        assert await page.get_by_test_id("message").inner_text() == "Thanks for the help with the release!"
        assert "From Acme" in (await page.locator(".eyebrow").text_content() or "")
        assert link["expires_at"][:10] in await page.get_by_test_id("expiry").inner_text()
        await pick_and_confirm(page)
        assert " ".join((await page.get_by_test_id("confirm-amount").inner_text()).split()) == "25.00 USD"
        await page.get_by_test_id("claim").click()
        await page.wait_for_load_state("networkidle")
        assert "?claimed=ord_" in page.url, (page.url, await page.content(), watch)
        after = await link_of(link_server, org, link["id"])
        assert after["status"] == "claimed" and len(after["orders"]) == 1
        code = await order_code(link_server, org, after["orders"][0])
        assert await page.get_by_test_id("code").get_attribute("data-value") == code
        assert (await page.get_by_test_id("code").inner_text()).replace("\n", "").strip() == code
        assert await page.get_by_test_id("voucher-link").is_visible()
        assert await page.get_by_role("heading", name="Choose your reward").count() == 0
        # The page again: claimed, nothing to click.
        await page.goto(link["url"])
        assert "already claimed" in await page.get_by_test_id("closed").inner_text()
        await no_controls(page)
        clean(watch)
    finally:
        await context.close()


async def test_a_split_link_claimed_twice(link_server: str, browser: Browser, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    link = await make_link(link_server, org, value=35, allow_split=True)
    context, page, watch = await new_page(browser, link_server, js=False)
    try:
        await page.goto(link["url"])
        await pick_and_confirm(page, amount="25.00")
        await page.get_by_test_id("claim").click()
        await page.wait_for_url(re.compile(r"\?claimed="))
        assert await page.get_by_test_id("code").is_visible()
        assert await page.get_by_test_id("remaining").inner_text() == "10.00 USD"
        await pick_and_confirm(page)  # only 10.00 fits now: a single amount, no select
        assert " ".join((await page.get_by_test_id("confirm-amount").inner_text()).split()) == "10.00 USD"
        await page.get_by_test_id("claim").click()
        await page.wait_for_url(re.compile(r"\?claimed="))
        assert await page.get_by_test_id("code").is_visible()
        assert await page.get_by_test_id("remaining").count() == 0
        after = await link_of(link_server, org, link["id"])
        assert after["status"] == "claimed" and len(after["orders"]) == 2
        clean(watch)
    finally:
        await context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
async def test_the_search_filters_many_choices(link_server: str, browser: Browser, make_org: MakeOrg, js: bool) -> None:
    org = await make_org(USD="100.00")
    link = await make_link(link_server, org, choice={"products": GIFT_CARDS})
    context, page, watch = await new_page(browser, link_server, js=js)
    try:
        await page.goto(link["url"])
        assert await page.get_by_test_id("choice").count() == len(GIFT_CARDS)
        box = page.get_by_role("searchbox")
        if js:  # filtered as one types, nothing sent
            await box.press_sequentially("play")
            visible = page.locator("li.choice:visible")
            await page.wait_for_function("document.querySelectorAll('li.choice:not([hidden])').length === 2")
            assert sorted([await v.get_attribute("data-product") or "" for v in await visible.all()]) == [
                "google_play_us", "playstation_us"]  # fmt: skip
        else:  # the GET form: the server filters
            await box.fill("play")
            await page.get_by_role("button", name="Search").click()
            await page.wait_for_url(re.compile(r"\?q=play"))
            assert await page.get_by_test_id("choice").count() == 2
        await pick_and_confirm(page, name="PlayStation Store Gift Card")
        assert "PlayStation" in await page.get_by_test_id("confirm-product").inner_text()
        clean(watch)
    finally:
        await context.close()


async def closed_links(server: str, org: OrgHandle) -> dict[str, str]:
    """A canceled, an expired and a claimed link's urls."""
    canceled = await make_link(server, org)
    expiring = await make_link(server, org, expires_at=(datetime.now(UTC) + timedelta(seconds=1)).isoformat())
    claimed = await make_link(server, org)
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        assert (await http.post(f"/v1/reward_links/{canceled['id']}/cancel", headers=org.h())).status_code == 200
        token = urlsplit(claimed["url"]).path.removeprefix("/l/")
        r = await http.post(f"/v1/link_claims/{token}/redeem",
                            json={"product_id": "amazon_us", "denomination": 25, "currency": "USD"})  # fmt: skip
        assert r.status_code == 200, r.text
    await asyncio.sleep(max(0.0, (datetime.fromisoformat(expiring["expires_at"]) - datetime.now(UTC)).total_seconds()))
    await asyncio.sleep(0.2)
    return {"canceled": canceled["url"], "expired": expiring["url"], "claimed": claimed["url"]}


async def test_closed_links_say_so_and_offer_nothing(link_server: str, browser: Browser, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    urls = await closed_links(link_server, org)
    context, page, watch = await new_page(browser, link_server)
    try:
        for state, heading, status in (
            ("canceled", "This reward was canceled", 410),
            ("expired", "This reward has expired", 410),
            ("claimed", "This reward was already claimed", 200),
        ):
            r = await page.goto(urls[state])
            assert r is not None and r.status == status, state
            assert await page.get_by_test_id("closed").inner_text() == heading
            await no_controls(page)
        r = await page.goto(f"{link_server}/l/{'Z' * 32}")
        assert r is not None and r.status == 404
        assert "not valid" in await page.locator("h1").inner_text()
        await no_controls(page)
        clean(watch)
    finally:
        await context.close()


async def wait_for_code(smtp: SMTPState, to: str, seen: int = 0) -> str:
    for _ in range(300):
        mails = [m for m in smtp.received if to in m.rcpt_tos]
        if len(mails) > seen:
            body = mails[-1].message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(CODE_LINE, body.get_content())
            assert found
            return found.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no email to {to} arrived")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
async def test_the_emailed_code_opens_the_choices(
    link_server: str, browser: Browser, make_org: MakeOrg, smtp: SMTPState, js: bool
) -> None:
    org = await make_org(USD="100.00")
    to = f"otp-{org.id}-{int(js)}@example.com"
    link = await make_link(link_server, org, verification="email_otp",
                           recipient={"email": to, "name": "Ada", "country": "US"})  # fmt: skip
    context, page, watch = await new_page(browser, link_server, js=js)
    try:
        await page.goto(link["url"])
        assert await page.get_by_test_id("choice").count() == 0
        await page.get_by_role("button", name="Email me a code").click()
        await page.wait_for_url(re.compile(r"\?sent=1"))
        code = await wait_for_code(smtp, to)
        await page.get_by_label("Code from the email").fill("000000" if code != "000000" else "111111")
        await page.get_by_role("button", name="Check the code").click()
        assert "4 attempts left" in await page.get_by_test_id("error").inner_text()
        await page.get_by_label("Code from the email").fill(code)
        await page.get_by_role("button", name="Check the code").click()
        await page.wait_for_url(link["url"])
        assert await page.get_by_test_id("choice").count() == 1
        cookies = await context.cookies()
        [cookie] = [c for c in cookies if c["name"].startswith("rk_lv_")]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/l/"
        await pick_and_confirm(page)
        await page.get_by_test_id("claim").click()
        await page.wait_for_url(re.compile(r"\?claimed="))
        assert await page.get_by_test_id("code").is_visible()
        clean(watch)
    finally:
        await context.close()


async def test_two_tabs_claiming_at_once_make_one_order(link_server: str, browser: Browser, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    link = await make_link(link_server, org)
    context, first, watch = await new_page(browser, link_server)
    try:
        second = await context.new_page()
        watch.attach(second)
        for tab in (first, second):
            await tab.goto(link["url"])
            await pick_and_confirm(tab)
        await asyncio.gather(first.get_by_test_id("claim").click(), second.get_by_test_id("claim").click())
        for tab in (first, second):
            await tab.wait_for_load_state("networkidle")
            await tab.wait_for_function("!!document.querySelector('[data-testid=code], [data-testid=closed]')")
        outcomes = sorted([await tab.get_by_test_id("code").count() for tab in (first, second)])
        assert outcomes == [0, 1]
        loser = first if await first.get_by_test_id("code").count() == 0 else second
        assert "already claimed" in await loser.get_by_test_id("closed").inner_text()
        await no_controls(loser)
        after = await link_of(link_server, org, link["id"])
        assert after["status"] == "claimed" and len(after["orders"]) == 1
        clean(watch)
    finally:
        await context.close()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (scripts/ensure-axe.sh needs npm)")
async def test_every_page_state_has_no_serious_accessibility_violation(
    link_server: str, browser: Browser, make_org: MakeOrg, smtp: SMTPState
) -> None:
    """axe-core at 375 and 1280 px on: the choices (few and many, searched, none found), the confirmation,
    a voucher with more to claim and one without, the code steps, closed and unknown links; in a
    branded frame with a dark and a light accent."""
    found: list[tuple[str, int, Any]] = []

    async def check(page: Page, state: str) -> None:
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": 900})
            for v in await axe_on(page):
                found.append((state, width, (v["id"], v["impact"], [n["target"] for n in v["nodes"]])))

    for accent in ("#0b6e4f", "#f4d03f"):
        org = await make_org(USD="200.00")
        async with httpx.AsyncClient(base_url=link_server, timeout=30) as http:
            brand = {"display_name": "Acme Rewards", "accent_color": accent, "support_email": "help@acme.example"}
            r = await http.patch("/v1/branding", json=brand, headers=org.h())
            assert r.status_code == 200, r.text
        many = await make_link(link_server, org, choice={"products": GIFT_CARDS})
        split = await make_link(link_server, org, value=35, allow_split=True)
        to = f"axe-{org.id}@example.com"
        otp = await make_link(link_server, org, verification="email_otp",
                              recipient={"email": to, "name": "Ada", "country": "US"})  # fmt: skip
        urls = await closed_links(link_server, org)
        context, page, _ = await new_page(browser, link_server, axe=True)
        try:
            await page.goto(many["url"])
            await check(page, "many choices")
            await page.goto(many["url"] + "?q=play")
            await check(page, "searched")
            await page.goto(many["url"] + "?q=zzz")
            await check(page, "nothing found")
            await page.goto(split["url"])
            await check(page, "split")
            await pick_and_confirm(page, amount="25.00")
            await check(page, "confirm")
            await page.get_by_test_id("claim").click()
            await page.wait_for_url(re.compile(r"\?claimed="))
            await check(page, "voucher, more to claim")
            await pick_and_confirm(page)
            await page.get_by_test_id("claim").click()
            await page.wait_for_url(re.compile(r"\?claimed="))
            await check(page, "voucher, all claimed")
            await page.goto(otp["url"])
            await check(page, "verify")
            await page.get_by_role("button", name="Email me a code").click()
            await page.wait_for_url(re.compile(r"\?sent=1"))
            await check(page, "code sent")
            await wait_for_code(smtp, to)
            await page.get_by_label("Code from the email").fill("999999")
            await page.get_by_role("button", name="Check the code").click()
            await page.wait_for_selector("[data-testid=error]")
            await check(page, "wrong code")
            for state, url in urls.items():
                await page.goto(url)
                await check(page, state)
            await page.goto(f"{link_server}/l/{'Z' * 32}")
            await check(page, "unknown")
        finally:
            await context.close()
    assert found == [], found


async def test_the_access_log_never_shows_a_link_token(
    link_server: str, browser: Browser, make_org: MakeOrg, server_logdir: Path
) -> None:
    """Runs last in the module: every token the tests above opened is absent from the server's log."""
    org = await make_org(USD="100.00")
    link = await make_link(link_server, org)
    context, page, _ = await new_page(browser, link_server, js=False)
    try:
        await page.goto(link["url"])
        await pick_and_confirm(page)
    finally:
        await context.close()
    log = server_logdir / "uvicorn.log"
    for _ in range(100):
        if "/l/[redacted]" in log.read_text():
            break
        await asyncio.sleep(0.05)
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    paths = {(r.get("method"), r.get("path")) for r in lines if r.get("event") == "request"}
    assert ("GET", "/l/[redacted]") in paths and ("GET", "/l/[redacted]/confirm") in paths, paths
    assert TOKENS and not [t for t in TOKENS if t in text]
