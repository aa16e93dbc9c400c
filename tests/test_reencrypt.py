"""Secret rotation completes (#12): data written under key A; the keyring rotated to "B,A";
`rewardkit secrets reencrypt` (a real CLI process, interrupted once and run again); then an app
configured with B alone reads everything: the order's voucher code, its voucher page, the events,
the idempotent replay, the webhook signing secret and the inventory codes.

It runs on a database of its own: the session's app only knows the session's key."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from rewardkit.app import create_app
from rewardkit.auth import service as auth
from rewardkit.catalog import service as catalog
from rewardkit.catalog.schemas import ProductIn
from rewardkit.config import Settings
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import Database, create_engine
from rewardkit.ledger import service as ledger
from rewardkit.migrate import upgrade
from rewardkit.runtime import Runtime
from rewardkit.suppliers.inventory_service import import_codes
from rewardkit.suppliers.models import InventoryCode
from rewardkit.webhooks import service as webhooks
from rewardkit.webhooks.models import WebhookEndpoint
from tests.conftest import DEFAULT_PG, order_body

A = "ka:" + secrets.token_urlsafe(40)
B = "kb:" + secrets.token_urlsafe(40)


@pytest.fixture
async def own_database(db_kind: str, tmp_path: Any) -> AsyncIterator[str]:
    """A fresh, migrated database with the sandbox catalog, for this test alone."""
    if db_kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'rotation.db'}"
        name = None
    else:
        admin = os.environ.get("REWARDKIT_TEST_PG_URL", DEFAULT_PG)
        name = f"rk_rotation_{secrets.token_hex(4)}"
        dsn = admin.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        url = admin.rsplit("/", 1)[0] + "/" + name
    db = Database(create_engine(url))
    await upgrade(db)
    async with db.unit_of_work() as s:
        await catalog.seed_sandbox(s)
    await db.dispose()
    yield url
    if name is not None:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def settings_for(url: str, keys: str, tmp_path: Any) -> Settings:
    return Settings(
        database_url=url,
        secret_keys=keys,
        secret_file=str(tmp_path / "unused.key"),
        public_url="http://testserver",
        api_key_cache_seconds=0,
        run_worker=False,
    )


class App:
    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.life = LifespanManager(self.app)

    async def __aenter__(self) -> tuple[Runtime, httpx.AsyncClient]:
        await self.life.__aenter__()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        rt: Runtime = self.app.state.runtime
        return rt, self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self.life.__aexit__(None, None, None)


def cli(url: str, keys: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "REWARDKIT_DATABASE_URL": url, "REWARDKIT_SECRET_KEYS": keys}
    return subprocess.Popen(
        [sys.executable, "-m", "rewardkit.cli", "secrets", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def cli_json(url: str, keys: str, *args: str) -> Any:
    p = cli(url, keys, *args, "--json")
    output, _ = p.communicate(timeout=120)
    assert p.returncode == 0, output
    return json.loads(output)


def roll_key(url: str, keys: str, key_id: str) -> str:
    p = subprocess.run(
        [sys.executable, "-m", "rewardkit.cli", "keys", "roll", key_id, "--json"],
        env={**os.environ, "REWARDKIT_DATABASE_URL": url, "REWARDKIT_SECRET_KEYS": keys},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    secret: str = json.loads(p.stdout)["secret"]
    return secret


async def write_everything_under_a(rt: Runtime, client: httpx.AsyncClient) -> dict[str, Any]:
    async with rt.db.unit_of_work() as s:
        org = await auth.create_org(s, "Rotation Org", "USD")
        issued, key = await auth.create_key(s, rt.keyring, org.id, "test")
        await ledger.fund(s, org.id, "test", "USD", 100_000)
        await catalog.import_products(
            s,
            [
                ProductIn.model_validate(
                    {
                        "id": "inv_rotation",
                        "brand": "Stockroom",
                        "name": "Stockroom rotation",
                        "category": "gift_card",
                        "countries": ["US"],
                        "currency": "USD",
                        "denominations": {"fixed": [1000]},
                        "validity_days": 365,
                    }
                )
            ],
        )
        await import_codes(s, rt.keyring, "inv_rotation", [{"code": "INV-CODE-1", "pin": "4321", "amount": "10.00"}])
    h = {"Authorization": f"Bearer {key}"}
    ep = await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/hook"}, headers=h)
    assert ep.status_code == 200, ep.text
    orders = []
    for i in range(5):
        r = await client.post("/v1/orders", json=order_body(), headers={**h, "Idempotency-Key": f"rot-{i}"})
        assert r.status_code == 200 and r.json()["status"] == "fulfilled", r.text
        orders.append(r.json())
    events = (await client.get("/v1/events", params={"limit": 100}, headers=h)).json()["data"]
    return {"headers": h, "key_id": issued.id, "orders": orders, "events": events, "endpoint": ep.json()}


async def test_after_reencrypt_the_new_key_alone_reads_everything(own_database: str, tmp_path: Any) -> None:
    url = own_database
    async with App(settings_for(url, A, tmp_path)) as (rt, client):
        before = await write_everything_under_a(rt, client)
    rotated = f"{B},{A}"
    # API keys are HMACs (no plaintext to re-hash): rolled under the new key, before the old one goes.
    h = {"Authorization": f"Bearer {roll_key(url, rotated, before['key_id'])}"}
    status = cli_json(url, rotated, "status")
    assert status["active_kid"] == "kb" and status["removable"] == [] and status["missing"] == []
    assert status["tables"]["orders"]["voucher_code"] == {"ka": 5}
    assert status["tables"]["idempotency_keys"]["response_body"] == {"ka": 5}

    # Interrupted after its first batch of one row, then run again: the rerun finishes the rest.
    first = cli(url, rotated, "reencrypt", "--batch-size", "1")
    assert first.stdout is not None
    while "rows re-encrypted" not in (line := first.stdout.readline()):
        assert line, "the command ended before its first batch"
    first.send_signal(signal.SIGKILL)
    first.wait()
    done = cli_json(url, rotated, "reencrypt", "--batch-size", "2")
    assert done["active_kid"] == "kb"
    assert done["tables"]["events"]["rows"] > 0 and done["tables"]["inventory_codes"]["rows"] == 1
    assert cli_json(url, rotated, "reencrypt")["tables"]["orders"]["rows"] == 0  # idempotent

    status = cli_json(url, rotated, "status")
    assert status["removable"] == ["ka"]
    for table, cols in status["tables"].items():
        for col, kids in cols.items():
            assert set(kids) <= {"kb"}, (table, col, kids)

    # The old key removed: everything still reads.
    async with App(settings_for(url, B, tmp_path)) as (rt, client):
        for order in before["orders"]:
            got = (await client.get(f"/v1/orders/{order['id']}", headers=h)).json()
            assert got["voucher"] == order["voucher"] and got["voucher_url"] == order["voucher_url"]
            page = await client.get(order["voucher_url"].removeprefix("http://testserver"))
            assert page.status_code == 200 and order["voucher"]["code"] in page.text
        replay = await client.post(
            "/v1/orders", json=order_body(), headers={**h, "Idempotency-Key": "rot-0"}
        )
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json()["voucher"] == before["orders"][0]["voucher"]
        events = (await client.get("/v1/events", params={"limit": 100}, headers=h)).json()["data"]
        assert events == before["events"]
        async with rt.db.unit_of_work(readonly=True) as s:
            endpoint = await s.get(WebhookEndpoint, before["endpoint"]["id"])
            assert endpoint is not None
            assert webhooks.signing_secrets(rt, endpoint) == [before["endpoint"]["secret"]]
            code = (await s.execute(select(InventoryCode))).scalar_one()
        only_b = Keyring.from_spec(B)
        assert only_b.decrypt(code.code) == "INV-CODE-1" and code.pin and only_b.decrypt(code.pin) == "4321"
        assert code.code_hash == only_b.hash("INV-CODE-1")  # a re-import is still recognised
