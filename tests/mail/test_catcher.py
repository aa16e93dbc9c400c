"""The development mail catcher: an app with it on (as `rewardkit serve` starts it) catches, over real
SMTP, the email a job sends; /dev/mail lists it, its page shows its link, and the test follows that link
to the hosted page. In production there is no catcher and the pages are 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from rewardkit.app import create_app
from rewardkit.config import Settings
from rewardkit.kit.mail import Mailer, build_message
from rewardkit.mailbox.catcher import MailCatcher
from rewardkit.mailbox.pages import links_of
from rewardkit.mailbox.service import queue_email
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body


@pytest.fixture
async def dev_app(settings: Settings, app: FastAPI) -> AsyncIterator[FastAPI]:
    """A second app on the same database, with the catcher on a free port (`app` first: it migrates)."""
    application = create_app(settings.model_copy(update={"mail_catcher": True, "mail_catcher_port": 0}))
    async with LifespanManager(application):
        yield application


async def client_of(application: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver")


async def test_the_catcher_shows_a_links_email_and_its_link_opens(dev_app: FastAPI, make_org: MakeOrg) -> None:
    rt: Runtime = dev_app.state.runtime
    catcher = rt.part(MailCatcher)
    assert catcher.port  # listening on loopback
    org = await make_org(USD="100.00")
    async with await client_of(dev_app) as c:
        order = (await c.post("/v1/orders", json=order_body(), headers=org.h())).json()
        url = order["voucher_url"]
        async with rt.db.unit_of_work() as s:
            job_id = await queue_email(
                s, rt, org_id=org.id, mode="test", to="ada@example.com", kind="link", ref="test:catcher",
                context={"recipient_name": "Ada <b>", "url": url, "value": "$50.00", "expires_at": "2027-01-01"},
            )  # fmt: skip
        assert rt.worker is not None and await rt.worker.run_now(job_id)

        listing = await c.get("/dev/mail")
        assert listing.status_code == 200 and "text/html" in listing.headers["content-type"]
        [caught] = catcher.messages()
        assert caught.rcpt_tos == ("ada@example.com",)
        assert f'href="/dev/mail/{caught.id}"' in listing.text and "sent you a reward of $50.00" in listing.text

        page = await c.get(f"/dev/mail/{caught.id}")
        assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
        assert links_of(caught.body("html")) == [url] and f'href="{url}"' in page.text
        assert "Ada &lt;b&gt;" in page.text  # the plain text, escaped on the page

        body = await c.get(f"/dev/mail/{caught.id}/html")
        assert body.status_code == 200 and "sandbox" in body.headers["content-security-policy"]
        assert "Ada &lt;b&gt;" in body.text

        followed = await c.get(httpx.URL(url).path)  # the recipient clicks the link
        assert followed.status_code == 200 and order["voucher"]["code"] in followed.text

        assert (await c.get("/dev/mail/999999")).status_code == 404


async def test_mail_sent_through_the_mailer_is_caught_newest_first(dev_app: FastAPI) -> None:
    rt: Runtime = dev_app.state.runtime
    mailer = rt.part(Mailer)
    for n in (1, 2):
        await mailer.send(build_message(mail_from=mailer.mail_from, to="bo@example.com", subject=f"n{n}", text="hi"))
    assert [m.subject for m in rt.part(MailCatcher).messages()] == ["n2", "n1"]


async def test_no_catcher_and_no_pages_in_production(settings: Settings, app: FastAPI) -> None:
    prod = create_app(settings.model_copy(update={"environment": "production", "mail_catcher": True}))
    async with LifespanManager(prod), await client_of(prod) as c:
        assert prod.state.runtime.part(MailCatcher).port is None
        for path in ("/dev/mail", "/dev/mail/1", "/dev/mail/1/html"):
            r = await c.get(path)
            assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


async def test_the_default_app_runs_no_catcher(settings: Settings) -> None:
    # What `create_app` gives without `rewardkit serve` (which turns it on): no SMTP server of its own.
    # (The suite's own app runs one on a free port, tests/conftest.py, for mail no test catches itself.)
    default = Settings(database_url=settings.database_url, secret_keys=settings.secret_keys)
    assert not MailCatcher.open(SimpleNamespace(settings=default)).enabled
