"""The docs pages in headless Chromium (tests/web/conftest.py): no request to another host, no console
error, no serious axe-core violation; the ask box answers in place; and the API reference of a demo
server opens authorized with its sandbox key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser

from rewardkit.config import Settings
from rewardkit.runtime import Runtime
from tests.web.conftest import AXE, Watch, _axe_violations, uvicorn_server
from tests.web.conftest import browser as browser  # noqa: F401  (the fixture, shared)

KEY = "sk_test_demo_browser_0123456789"


@pytest.fixture(scope="module")
def demo_server(
    ctx: Runtime, database_url: str, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    logdir: Path = tmp_path_factory.mktemp("guides-server")
    with uvicorn_server(database_url, settings, logdir, REWARDKIT_DEMO_API_KEY=KEY) as base:
        yield base


async def test_a_guide_loads_only_from_this_origin_without_errors(demo_server: str, browser: Browser) -> None:  # noqa: F811
    context = await browser.new_context()
    try:
        page = await context.new_page()
        watch = Watch(host=urlsplit(demo_server).netloc)
        watch.attach(page)
        await page.goto(f"{demo_server}/guides/api", wait_until="networkidle")
        assert await page.locator("h2#idempotency").count() == 1
        assert watch.other_hosts() == []
        assert watch.console_errors == [] and watch.page_errors == [] and watch.failed == []
        assert watch.bad_status == []
    finally:
        await context.close()


async def test_the_ask_box_answers_in_place(demo_server: str, browser: Browser) -> None:  # noqa: F811
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{demo_server}/guides/quickstart", wait_until="networkidle")
        await page.fill("#guides-ask-q", "How do I retry an order safely?")
        await page.click('[data-testid="ask-form"] button')
        answer = page.locator("#guides-answer")
        await answer.locator("a").first.wait_for()
        assert "Idempotency-Key" in await answer.inner_text()
        assert page.url.endswith("/guides/quickstart")  # in place: no navigation
    finally:
        await context.close()


async def test_the_reference_of_a_demo_server_is_authorized(demo_server: str, browser: Browser) -> None:  # noqa: F811
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{demo_server}/docs", wait_until="networkidle")
        await page.wait_for_function("typeof ui !== 'undefined' && ui.authSelectors.authorized().size > 0")
        value = await page.evaluate("ui.authSelectors.authorized().toJS().apiKey.value")
        assert value == KEY
        assert await page.locator('a[href="/guides"]').count() == 1
    finally:
        await context.close()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (scripts/ensure-axe.sh needs npm)")
async def test_guides_pages_have_no_serious_accessibility_violations(demo_server: str, browser: Browser) -> None:  # noqa: F811
    for path, width in (("/guides/api", 1200), ("/guides", 480), ("/guides/search?q=idempotency", 1200),
                        ("/guides/ask?q=how+do+I+verify+a+webhook+signature", 360)):  # fmt: skip
        found = await _axe_violations(browser, demo_server + path, width)
        assert found == [], (path, [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found])
