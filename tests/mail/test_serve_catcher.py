"""`rewardkit serve` in development without REWARDKIT_SMTP_URL runs the mail catcher: a real process
prints where it is, catches mail sent to it over SMTP by another process, and lists it at /dev/mail;
and when serve turns it on (or not)."""

from __future__ import annotations

import os
import re
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from rewardkit.cli import _want_mail_catcher, _want_public_url
from rewardkit.config import Settings
from tests.mail.smtp_server import free_port

# Only how long to wait before declaring the server dead: nothing asserts on time.
START_DEADLINE_SECONDS = 120


@pytest.fixture
def clean_env() -> Iterator[None]:
    saved = os.environ.pop("REWARDKIT_MAIL_CATCHER", None)
    try:
        yield
    finally:
        os.environ.pop("REWARDKIT_MAIL_CATCHER", None)
        if saved is not None:
            os.environ["REWARDKIT_MAIL_CATCHER"] = saved


@pytest.mark.usefixtures("clean_env")
def test_serve_turns_the_catcher_on_only_in_development_without_an_smtp_url() -> None:
    assert not _want_mail_catcher(Settings(environment="production"), 1)
    assert not _want_mail_catcher(Settings(smtp_url="smtp://relay.example:25"), 1)
    assert not _want_mail_catcher(Settings(), 2)  # several API processes: no single place to catch
    assert "REWARDKIT_MAIL_CATCHER" not in os.environ
    assert _want_mail_catcher(Settings(smtp_url=""), 1)
    assert os.environ["REWARDKIT_MAIL_CATCHER"] == "true"  # what the app factory reads
    os.environ["REWARDKIT_MAIL_CATCHER"] = "false"  # the operator's own choice is kept
    assert not _want_mail_catcher(Settings(smtp_url=""), 1)


def _serve(tmp_path: Path, port: int, *args: str, **env_vars: str) -> subprocess.Popen[str]:
    """A real `rewardkit serve --port port` in tmp_path, without a worker, once /readyz answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(REWARDKIT_RUN_WORKER="false", PYTHONUNBUFFERED="1", **env_vars)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rewardkit.cli", "serve", "--port", str(port), *args],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while True:
        try:
            assert proc.poll() is None, f"rewardkit serve exited {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"rewardkit serve never became ready:\n{log.read_text()}"
        except AssertionError:
            _stop(proc)
            raise
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_serve_on_another_port_makes_links_to_that_port(tmp_path: Path) -> None:
    """#13 review: `serve --port 8813` handed out links to port 8000 (the REWARDKIT_PUBLIC_URL default)."""
    port, smtp_port = free_port(), free_port()
    proc = _serve(tmp_path, port, REWARDKIT_MAIL_CATCHER_PORT=str(smtp_port))
    base = f"http://127.0.0.1:{port}"
    try:
        banner = (tmp_path / "serve.log").read_text()
        assert f"Hosted links (vouchers) use {base}\n" in banner
        key = re.search(r"API key \(test mode\):\s+(\S+)", banner)
        assert key, banner
        made = httpx.post(
            f"{base}/v1/reward_links", headers={"Authorization": f"Bearer {key.group(1)}"}, timeout=30,
            json={"value": 25, "currency": "USD", "delivery": "none", "recipient": {"country": "US"}},
        )  # fmt: skip
        assert made.status_code in (200, 201), made.text
        assert made.json()["url"].startswith(f"{base}/l/")
    finally:
        _stop(proc)


@pytest.mark.usefixtures("clean_env")
def test_an_explicit_public_url_wins_over_the_serve_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REWARDKIT_PUBLIC_URL", raising=False)
    explicit = "https://rewards.example.com"
    assert _want_public_url(Settings(public_url=explicit), "127.0.0.1", 8813) == explicit
    assert "REWARDKIT_PUBLIC_URL" not in os.environ
    monkeypatch.setenv("REWARDKIT_PUBLIC_URL", explicit)
    assert _want_public_url(Settings(), "0.0.0.0", 8813) == explicit
    monkeypatch.delenv("REWARDKIT_PUBLIC_URL")
    assert _want_public_url(Settings(), "::1", 8813) == "http://[::1]:8813"
    assert os.environ["REWARDKIT_PUBLIC_URL"] == "http://[::1]:8813"  # what the app factory reads


def test_a_second_serve_whose_catcher_port_is_taken_says_where_its_mail_goes(tmp_path: Path) -> None:
    """#13 review: with 127.0.0.1:1025 taken (a first serve's catcher), the second printed "mail stays
    here" and showed an empty /dev/mail; its mail goes to the catcher on the taken port."""
    port, smtp_port = free_port(), free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:  # the first serve's catcher
        holder.bind(("127.0.0.1", smtp_port))
        holder.listen(1)
        proc = _serve(tmp_path, port, "--no-demo", REWARDKIT_MAIL_CATCHER_PORT=str(smtp_port))
        try:
            banner = (tmp_path / "serve.log").read_text()
            assert "mail stays here" not in banner
            assert f"Mail catcher: 127.0.0.1:{smtp_port} is taken" in banner and "goes to the catcher there" in banner
            page = httpx.get(f"http://127.0.0.1:{port}/dev/mail", timeout=10)
            assert page.status_code == 200
            assert f"127.0.0.1:{smtp_port}</code> was already taken" in page.text
            assert "mail goes to the catcher listening there" in page.text and "No mail caught yet" not in page.text
        finally:
            _stop(proc)


def test_make_serve_catches_mail_and_shows_it(tmp_path: Path) -> None:
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(REWARDKIT_RUN_WORKER="false", REWARDKIT_MAIL_CATCHER_PORT=str(smtp_port), PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rewardkit.cli", "serve", "--port", str(port), "--no-demo"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            assert proc.poll() is None, f"rewardkit serve exited {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"rewardkit serve never became ready:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert f"Mail catcher: http://127.0.0.1:{port}/dev/mail" in log.read_text()

        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "worker@localhost", "ada@example.com", "Caught by serve"
        msg.set_content("Open http://127.0.0.1/l/abc")
        msg.add_alternative('<p><a href="http://127.0.0.1/l/abc">Open</a></p>', subtype="html")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:  # another process, e.g. `rewardkit worker`
            smtp.send_message(msg)

        listing = httpx.get(f"{base}/dev/mail", timeout=10)
        assert listing.status_code == 200 and "Caught by serve" in listing.text and "ada@example.com" in listing.text
        page = httpx.get(f"{base}/dev/mail/1", timeout=10)
        assert page.status_code == 200 and 'href="http://127.0.0.1/l/abc"' in page.text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
