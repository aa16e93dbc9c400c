"""Test harness: one real database per session (SQLite file or a fresh PostgreSQL database), built by
the Alembic migrations; the app in-process over ASGI; each test isolated in orgs of its own."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from rewardkit.app import create_app
from rewardkit.auth import service as auth
from rewardkit.catalog import service as catalog
from rewardkit.config import Settings
from rewardkit.kit.db import Database, create_engine
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.migrate import upgrade
from rewardkit.runtime import Runtime

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("REWARDKIT_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="which database the suite runs on",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"rewardkit database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
async def database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if db_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'rewardkit.db'}"
        return
    admin = os.environ.get("REWARDKIT_TEST_PG_URL", DEFAULT_PG)
    name = f"rk_test_{secrets.token_hex(4)}"
    dsn = admin.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield admin.rsplit("/", 1)[0] + "/" + name
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        secret_keys="t1:" + secrets.token_urlsafe(40),
        secret_file=str(tmp_path_factory.mktemp("secrets") / "unused.key"),
        public_url="http://testserver",
        api_key_cache_seconds=0,  # revocations take effect at once in tests
        # Background work runs only where a test asks for it (worker.drain() or worker processes),
        # so crash tests own their jobs; the request's own fast path still fulfils inline.
        run_worker=False,
        job_backoff_base_seconds=0.05,
        job_poll_seconds=0.05,
        supplier_timeout_seconds=1.0,
        supplier_poll_seconds=0.2,
        # Every test's client is 127.0.0.1 and many send wrong keys on purpose: the failed-auth limit
        # is tested on apps of its own (tests/test_rate_limits.py).
        auth_failure_limit="1000000/minute",
        # The same for unknown reward-link tokens (#13): its limit is tested in tests/links/test_page.py.
        token_failure_limit="1000000/minute",
        # Mail no test sends to a server of its own (links delivered by email in the BOLA world, the
        # list tests' resends) lands in the dev mail catcher, a real aiosmtpd server on a free port in
        # this process: otherwise it retries against 127.0.0.1:1025 for seconds, and any test's
        # worker.drain() meanwhile runs those retries.
        mail_catcher=True,
        mail_catcher_port=0,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    db = Database(create_engine(settings.database_url))
    await upgrade(db)
    async with db.unit_of_work() as s:
        await catalog.seed_sandbox(s)
    await db.dispose()
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture(scope="session")
def ctx(app: FastAPI) -> Runtime:
    context: Runtime = app.state.runtime
    return context


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class OrgHandle:
    id: str
    test_key: str
    live_key: str

    def h(self, mode: str = "test", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.test_key if mode == 'test' else self.live_key}", **extra}


MakeOrg = Callable[..., Awaitable[OrgHandle]]


@pytest.fixture
def make_org(ctx: Runtime) -> MakeOrg:
    """make_org(USD="100.00", mode="test", default_currency="USD") -> an org with both keys, funded."""

    async def factory(mode: str = "test", default_currency: str = "USD", **funds: str) -> OrgHandle:
        async with ctx.db.unit_of_work() as s:
            org = await auth.create_org(s, f"Org {secrets.token_hex(3)}", default_currency)
            _, test = await auth.create_key(s, ctx.keyring, org.id, "test")
            _, live = await auth.create_key(s, ctx.keyring, org.id, "live")
            for currency, amount in funds.items():
                await ledger.fund(s, org.id, mode, currency, to_minor(amount, currency))
        return OrgHandle(org.id, test, live)

    return factory


@pytest.fixture(autouse=True)
async def ledger_invariants(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After every test that touched the app: every ledger invariant still holds."""
    if "ctx" not in request.fixturenames and "client" not in request.fixturenames:
        yield
        return
    context: Runtime = request.getfixturevalue("ctx")
    yield
    async with context.db.unit_of_work(readonly=True) as s:
        report = await ledger.verify(s)
    assert report.ok, f"ledger invariants broken: {report}"


def order_body(**over: Any) -> dict[str, Any]:
    return {"product_id": "amazon_us", "denomination": 50, "currency": "USD", **over}
