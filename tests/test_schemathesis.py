"""schemathesis over every operation of the OpenAPI description, against a real server on loopback.

Every operation is fuzzed with schema-valid (positive) and schema-violating (negative) requests,
authenticated with the sandbox key of an org of its own, and every answer must pass the checks below:
no 5xx, a status, content type, headers and body exactly as the description declares, negative data
refused with a 4xx, and no answer without the credential. The ledger invariants are verified after
each operation (the autouse fixture of conftest.py). `make fuzz` runs the same with more examples.

Checks turned off, each with its reason (also in docs/testing.md):

- `positive_data_acceptance` expects a 2xx for every schema-valid request, but schema-valid is not
  business-valid: a random `product_id` is a 404 `product_not_found`, a random amount a 422
  `invalid_denomination`, an order beyond the wallet a 402. Those answers are declared and checked by
  `status_code_conformance` and `response_schema_conformance` instead.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation.case import Case

from rewardkit.app import create_app
from rewardkit.auth import service as auth
from rewardkit.config import Settings
from rewardkit.kit import versioning
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.runtime import Runtime

MAX_EXAMPLES = int(os.environ.get("REWARDKIT_FUZZ_EXAMPLES", "50"))
TURNED_OFF = {"positive_data_acceptance"}  # reason in the module docstring and docs/testing.md

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
CHECKED = [c for c in ALL_CHECKS if getattr(c, "__name__", "") not in TURNED_OFF]


class LoopbackServer:
    """create_app(settings) under uvicorn on 127.0.0.1 in a thread of its own (its own event loop and
    runtime, as a deployed process has), on the session's database."""

    def __init__(self, application: FastAPI) -> None:
        config = uvicorn.Config(application, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:  # start-up takes a moment; the thread dies on failure
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            self.thread.join(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join()


@pytest.fixture(scope="session")
async def fuzz_key(app: FastAPI, ctx: Runtime) -> str:
    """The sandbox key of a fresh org, funded so that some orders go through."""
    async with ctx.db.unit_of_work() as s:
        org = await auth.create_org(s, f"Fuzz {secrets.token_hex(3)}", "USD")
        _, key = await auth.create_key(s, ctx.keyring, org.id, "test")
        await ledger.fund(s, org.id, "test", "USD", to_minor("100000.00", "USD"))
    return key


@pytest.fixture(scope="session")
def live_url(app: FastAPI, settings: Settings) -> Iterator[str]:
    with LoopbackServer(create_app(settings)) as url:
        yield url


def _description() -> dict[str, Any]:
    """The app's OpenAPI description, built without a database (nothing connects until a request)."""
    unused = Settings(
        database_url="sqlite+aiosqlite:///never-opened.db", secret_keys="t1:" + "x" * 43, secret_file="never-read.key"
    )
    spec: dict[str, Any] = create_app(unused).openapi()
    return spec


@pytest.fixture
async def ledger_checked(ctx: Runtime) -> AsyncIterator[None]:
    yield  # naming ctx makes conftest's ledger_invariants verify the ledger after each operation


schema = schemathesis.openapi.from_dict(_description())
schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES, deterministic=True)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case: Case, live_url: str, fuzz_key: str, ledger_checked: None) -> None:
    credential = {} if _drops_the_credential(case) else {"Authorization": f"Bearer {fuzz_key}"}
    if case.headers and case.headers.get(versioning.HEADER) in versioning.VERSIONS[:-1]:
        # The description is the latest version's; an older version's shapes are its documented
        # differences (docs/changelog.md), checked by tests/test_versions.py.
        case.headers = {**case.headers, versioning.HEADER: versioning.LATEST}
    case.call_and_validate(base_url=live_url, headers=credential, checks=CHECKED)


def _drops_the_credential(case: Case) -> bool:
    """A negative case whose mutation is leaving out the (required) Authorization header: adding our key
    back would make it a valid request, which negative_data_rejection would then blame for a 200."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    names = {getattr(data, "parameter", None), *(m.parameter for m in getattr(data, "mutations", ()))}
    return "Authorization" in names


def test_the_turned_off_checks_exist() -> None:
    """A renamed check would otherwise be silently back on (or silently never off)."""
    names = {getattr(c, "__name__", "") for c in ALL_CHECKS}
    assert names >= TURNED_OFF
    for name in ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                 "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
                 "ignored_auth", "missing_required_header", "unsupported_method"):  # fmt: skip
        assert name in {getattr(c, "__name__", "") for c in CHECKED}, name
