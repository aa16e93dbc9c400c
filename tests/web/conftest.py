"""What the browser tests share (tests/web): the real app under uvicorn, headless Chromium, a watch on
each page's network and console, and axe-core injected into a page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, Response, async_playwright

from rewardkit.config import Settings
from rewardkit.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / ".venv/node/node_modules/axe-core/axe.min.js"  # scripts/ensure-axe.sh


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_server(database_url: str, settings: Settings, logdir: Path, **env_over: str) -> Iterator[str]:
    """The real app under uvicorn on a free port, its output (access log included) in logdir/uvicorn.log;
    `env_over`: more REWARDKIT_* settings (e.g. an SMTP server's url)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(
        REWARDKIT_DATABASE_URL=database_url,
        REWARDKIT_SECRET_KEYS=settings.secret_keys,
        REWARDKIT_PUBLIC_URL=base,
        REWARDKIT_API_KEY_CACHE_SECONDS="0",
        **env_over,
    )
    log = (logdir / "uvicorn.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "rewardkit.app:create_app", "--factory",
         "--port", str(port), "--host", "127.0.0.1"],
        env=env, cwd=logdir, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (logdir / "uvicorn.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the server's output (uvicorn's access log included) goes: uvicorn.log."""
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def server(ctx: Runtime, database_url: str, settings: Settings, server_logdir: Path) -> Iterator[str]:
    """The real app under uvicorn on a free port (the `ctx` fixture has migrated and seeded the database)."""
    with uvicorn_server(database_url, settings, server_logdir) as base:
        yield base


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


@dataclass
class Watch:
    """What a page did on the network and in its console."""

    host: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_status: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        page.on("response", self._response)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def _request(self, req: Request) -> None:
        self.requests.append(req.url)

    def _response(self, resp: Response) -> None:
        if resp.status >= 400:
            self.bad_status.append(f"{resp.status} {resp.url}")

    def other_hosts(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme != "data" and urlsplit(u).netloc != self.host]


async def axe_on(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it is now. The page's context must
    bypass its CSP (the page itself allows no script but its own)."""
    await page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


async def _axe_violations(browser: Browser, url: str, width: int) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page at `url`. The script is injected with the
    page's CSP bypassed for this one context: the page itself allows no script but its own."""
    context = await browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page = await context.new_page()
        await page.goto(url, wait_until="networkidle")
        return await axe_on(page)
    finally:
        await context.close()
