"""The hosted voucher page as a recipient sees it: the real server, in real headless Chromium."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.conftest import MakeOrg
from tests.web.conftest import AXE, CHROMIUM, Watch, _axe_violations

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


@dataclass
class Opened:
    page: Page
    watch: Watch
    order: dict[str, Any]
    status: int


@pytest.fixture
async def opened(server: str, browser: Browser, make_org: MakeOrg) -> AsyncIterator[Opened]:
    """A fresh org orders amazon_us 50 USD from the real server; Chromium opens its voucher_url."""
    org = await make_org(USD="100.00")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.post(
            "/v1/orders",
            json={"product_id": "amazon_us", "denomination": 50, "currency": "USD"},
            headers=org.h(),
        )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == "fulfilled"
    assert order["voucher_url"].startswith(f"{server}/v/")

    context = await browser.new_context(viewport={"width": 480, "height": 900})
    page = await context.new_page()
    watch = Watch(host=urlsplit(server).netloc)
    watch.attach(page)
    response = await page.goto(order["voucher_url"], wait_until="networkidle")
    assert response is not None
    try:
        yield Opened(page, watch, order, response.status)
    finally:
        await context.close()


async def test_voucher_page_shows_the_reward(opened: Opened) -> None:
    page, order = opened.page, opened.order
    voucher = order["voucher"]
    assert opened.status == 200
    assert await page.title() == "Amazon 50.00 USD"

    assert await page.get_by_test_id("brand").inner_text() == "Amazon"
    assert " ".join((await page.get_by_test_id("amount").inner_text()).split()) == "50.00 USD"
    code = page.get_by_test_id("code")
    assert await code.is_visible()
    assert (await code.inner_text()).strip() == voucher["code"]
    pin = page.get_by_test_id("pin")
    assert await pin.is_visible()
    assert (await pin.inner_text()).strip() == voucher["pin"]
    expiry = page.get_by_test_id("expiry")
    assert await expiry.is_visible()
    assert voucher["expires_at"][:10] in await expiry.inner_text()
    assert "Valid until" in await expiry.inner_text()
    assert await page.get_by_role("heading", name="How to redeem").is_visible()
    instructions = await page.get_by_test_id("instructions").inner_text()
    assert "Amazon" in instructions and "code" in instructions
    assert await page.get_by_role("status").filter(has_text="Test mode").is_visible()


async def test_voucher_page_is_styled_by_its_own_stylesheet(opened: Opened) -> None:
    page = opened.page
    card = page.locator("main.card")
    style = await card.evaluate(
        "el => { const s = getComputedStyle(el); "
        "return {radius: s.borderTopLeftRadius, background: s.backgroundColor, maxWidth: s.maxWidth}; }"
    )
    assert style["radius"] == "16px"
    assert style["background"] == "rgb(255, 255, 255)"
    assert style["maxWidth"] != "none"
    body_bg = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert body_bg not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    sheets = await page.evaluate("[...document.styleSheets].map(s => s.href)")
    assert any(str(h).endswith("/static/voucher.css") for h in sheets)


async def test_voucher_page_makes_no_requests_to_other_hosts_and_logs_no_script_errors(
    opened: Opened,
) -> None:
    w = opened.watch
    assert w.requests, "the page made no requests at all"
    assert w.other_hosts() == []
    assert w.page_errors == []
    assert not [u for u in w.failed if urlsplit(u).netloc != w.host]
    for asset in ("/static/voucher.css", "/static/voucher.js"):
        assert f"http://{w.host}{asset}" in w.requests
        assert not [b for b in w.bad_status if b.endswith(asset)]


async def test_voucher_page_loads_every_asset_without_console_errors(opened: Opened) -> None:
    assert await opened.page.locator("img.logo").evaluate("img => img.complete && img.naturalWidth > 0")
    assert opened.watch.bad_status == []
    assert opened.watch.failed == []
    assert opened.watch.console_errors == []


async def test_copy_button_copies_the_code(opened: Opened) -> None:
    page = opened.page
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=f"http://{opened.watch.host}")
    button = page.get_by_role("button", name="Copy")
    await button.click()
    await page.wait_for_function("document.querySelector('button[data-copy]').textContent === 'Copied'")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == opened.order["voucher"]["code"]


async def test_screenshot_is_a_png(opened: Opened, tmp_path: Path) -> None:
    shot = tmp_path / "voucher.png"
    await opened.page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert len(data) > 1000
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


async def test_unknown_token_shows_the_not_valid_page(server: str, browser: Browser) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        response = await page.goto(f"{server}/v/not-a-real-token-at-all-0000000000")
        assert response is not None and response.status == 404
        assert "This reward link is not valid" in await page.locator("h1").inner_text()
        assert await page.locator("main.card").evaluate("el => getComputedStyle(el).borderTopLeftRadius") == "16px"
    finally:
        await context.close()


# --- the frame: branding, narrow screens, headers ------------------------------------------------------


async def test_branded_voucher_page_on_a_narrow_screen(
    server: str, browser: Browser, make_org: MakeOrg, tmp_path: Path
) -> None:
    """320 px wide: the code wraps only between its groups, nothing overflows, the org's frame shows."""
    org = await make_org(USD="100.00")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        r = await http.patch(
            "/v1/branding",
            json={"display_name": "Acme Rewards", "accent_color": "#0b6e4f", "support_email": "help@acme.example"},
            headers=org.h(),
        )
        assert r.status_code == 200, r.text
        r = await http.post(
            "/v1/orders", json={"product_id": "amazon_us", "denomination": 50, "currency": "USD"}, headers=org.h()
        )
        assert r.status_code == 200, r.text
    order = r.json()
    context = await browser.new_context(viewport={"width": 320, "height": 720}, device_scale_factor=2)
    try:
        page = await context.new_page()
        watch = Watch(host=urlsplit(server).netloc)
        watch.attach(page)
        response = await page.goto(order["voucher_url"], wait_until="networkidle")
        assert response is not None and response.status == 200
        headers = await response.all_headers()
        csp = headers["content-security-policy"]
        assert csp.startswith("default-src 'none'") and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp and "form-action 'self'" in csp
        assert headers["referrer-policy"] == "no-referrer" and headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert watch.console_errors == [], "\n".join([*watch.console_errors, *watch.requests])  # no CSP violation

        assert await page.get_by_test_id("brand-name").inner_text() == "Acme Rewards"
        assert await page.get_by_test_id("support-email").inner_text() == "help@acme.example"
        header_bg = await page.get_by_test_id("frame-header").evaluate("el => getComputedStyle(el).backgroundColor")
        assert header_bg == "rgb(11, 110, 79)"  # #0b6e4f, applied through the hash-allowed <style>
        button = page.get_by_role("button", name="Copy")
        assert await button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(11, 110, 79)"
        assert await button.evaluate("el => getComputedStyle(el).color") == "rgb(255, 255, 255)"

        code = page.get_by_test_id("code")
        assert (await code.inner_text()).strip() == order["voucher"]["code"]
        groups = await code.evaluate(
            "el => [...el.querySelectorAll('.grp')].map(g => ({text: g.textContent, "
            "rects: [...g.getClientRects()].map(r => [r.left, r.top, r.right, r.bottom])}))"
        )
        assert "".join(g["text"] for g in groups) == order["voucher"]["code"]
        assert len(groups) == 5
        for g in groups:
            assert len(g["rects"]) == 1, f"group {g['text']!r} is split across lines: {g['rects']}"
        lines = sorted({round(g["rects"][0][1]) for g in groups})
        assert len(lines) >= 2, "at 320 px the code should need more than one line (else this test shows nothing)"
        box = await code.bounding_box()
        assert box is not None
        for g in groups:  # every group inside the code's box: nothing overflows sideways
            left, _top, right, _bottom = g["rects"][0]
            assert box["x"] - 0.5 <= left and right <= box["x"] + box["width"] + 0.5
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320

        shot = tmp_path / "voucher-320.png"
        await page.screenshot(path=str(shot), full_page=True)
        keep = os.environ.get("REWARDKIT_SCREENSHOT_DIR")
        if keep:  # to look at it: REWARDKIT_SCREENSHOT_DIR=/tmp/shots pytest tests/web -k narrow
            await page.screenshot(path=os.path.join(keep, "voucher-320.png"), full_page=True)
    finally:
        await context.close()


# --- accessibility: axe-core inside Chromium --------------------------------------------------------


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (scripts/ensure-axe.sh needs npm)")
async def test_hosted_pages_have_no_serious_accessibility_violations(
    server: str, browser: Browser, make_org: MakeOrg
) -> None:
    """The voucher page in an org's frame (a dark and a light accent, wide and narrow) and the page of a
    link that is not valid: no serious or critical axe-core violation (contrast included)."""
    pages: list[tuple[str, int]] = [(f"{server}/v/not-a-real-token-at-all-0000000000", 480)]
    for accent in ("#0b6e4f", "#f4d03f"):
        org = await make_org(USD="100.00")
        async with httpx.AsyncClient(base_url=server, timeout=30) as http:
            r = await http.patch(
                "/v1/branding",
                json={"display_name": "Acme Rewards", "accent_color": accent, "support_email": "help@acme.example"},
                headers=org.h(),
            )
            assert r.status_code == 200, r.text
            r = await http.post(
                "/v1/orders", json={"product_id": "amazon_us", "denomination": 50, "currency": "USD"}, headers=org.h()
            )
            assert r.status_code == 200, r.text
        pages += [(r.json()["voucher_url"], 480), (r.json()["voucher_url"], 320)]
    for url, width in pages:
        found = await _axe_violations(browser, url, width)
        assert found == [], [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found]


async def test_the_access_log_never_shows_a_voucher_token(opened: Opened, server_logdir: Path) -> None:
    """uvicorn's access log writes each request's path; a voucher page's token opens its code and PIN,
    so the log shows `/v/[redacted]` (kit/logs.py), and neither the token nor the code appear."""
    token = urlsplit(opened.order["voucher_url"]).path.removeprefix("/v/")
    log = server_logdir / "uvicorn.log"
    for _ in range(100):  # uvicorn writes the line just after the response: up to 5 s
        if "/v/[redacted]" in log.read_text():
            break
        await asyncio.sleep(0.05)
    text = log.read_text()
    # One JSON object per line (kit/logs.py): the access line is event "request" with its fields.
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any((r.get("method"), r.get("path"), r.get("status")) == ("GET", "/v/[redacted]", 200) for r in lines)
    assert token not in text and opened.order["voucher"]["code"] not in text
