"""`rewardkit serve` in development without REWARDKIT_SMTP_URL runs the mail catcher: a real process
prints where it is, catches mail sent to it over SMTP by another process, and lists it at /dev/mail;
and when serve turns it on (or not)."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from rewardkit.cli import _want_mail_catcher
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
