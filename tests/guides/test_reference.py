"""The API reference (/docs) links to the guides and, on a local demo server only, carries the demo
org's sandbox key for Swagger UI's try-it-out; never otherwise."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from rewardkit.app import create_app
from rewardkit.config import Settings
from rewardkit.guides import reference

KEY = "sk_test_demo0123456789abcdef"


async def test_docs_links_to_guides_and_holds_no_key(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200
    assert 'href="/guides"' in r.text
    assert "sk_test_" not in r.text and "rewardkit-demo-key" not in r.text
    assert "guides.docs.js" not in r.text


async def test_a_demo_server_prefills_its_sandbox_key(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"demo_api_key": KEY}))
    transport = httpx.ASGITransport(app=app)
    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/docs")
        assert r.status_code == 200
        assert f'content="{KEY}"' in r.text and '<script src="/static/guides.docs.js">' in r.text
        js = await c.get("/static/guides.docs.js")
        assert js.status_code == 200 and "preauthorizeApiKey" in js.text and "sk_test" not in js.text
    # A browser on another machine (`serve --host 0.0.0.0`) never gets it.
    remote = httpx.ASGITransport(app=app, client=("192.0.2.7", 50000))
    async with LifespanManager(app), httpx.AsyncClient(transport=remote, base_url="http://testserver") as c:
        r = await c.get("/docs")
        assert r.status_code == 200 and KEY not in r.text


def test_never_in_production_nor_a_live_key(settings: Settings) -> None:
    prod = settings.model_copy(update={"demo_api_key": KEY, "environment": "production"})
    assert reference.demo_key(prod) == ""
    live = settings.model_copy(update={"demo_api_key": "sk_live_abc"})
    assert reference.demo_key(live) == ""
    assert reference.demo_key(settings.model_copy(update={"demo_api_key": KEY})) == KEY
