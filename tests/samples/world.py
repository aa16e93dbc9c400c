"""What the code samples need on the live server: one org per language (so that each language's run
starts from the same state and writes of one never meet another's), with every resource a path value
names, made through the public API; and the environment each operation's sample runs with."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import delete, inspect, update

from rewardkit.auth import service as auth
from rewardkit.auth.principals import MEMBER_SESSION
from rewardkit.ledger import service as ledger
from rewardkit.points.models import PointsProgram
from rewardkit.runtime import Runtime
from rewardkit.storefront.models import Storefront
from rewardkit.suppliers.models import InventoryCode
from tests.conftest import OrgHandle

OPERATOR_TOKEN = "op_samples_" + secrets.token_hex(8)
MEMBER = "user_42"  # the member the points request examples name (points/examples.py)

# The environment variable a sample reads a path value from -> the world's key holding it, where an
# operation changes or consumes what it names (a cancel, a delete, a reversal): one made for it.
OVERRIDES: dict[str, dict[str, str]] = {
    "cancelOrder": {"ORDER_ID": "pending_order"},
    "cancelRewardLink": {"LINK_ID": "link_to_cancel"},
    "sendLinkVerification": {"TOKEN": "verification_token"},
    "reversePointsTransaction": {"PTX_ID": "credit_to_reverse"},
    "releasePointsCredit": {"PTX_ID": "pending_credit"},
    "deletePointsRule": {"RULE_ID": "rule_to_delete"},
    "deleteWebhookEndpoint": {"ENDPOINT_ID": "endpoint_to_delete"},
    # GET /v1/session is a member's, a link visitor's or a dashboard user's: not an API key's.
    "getSession": {"REWARDKIT_API_KEY": "member_session"},
    "deleteStorefrontSsoSecret": {"SECRET_ID": "secret_to_delete"},
    "deleteReportSchedule": {"SCHEDULE_ID": "schedule_to_delete"},
    # Samples of one language run a few at once: the tiers getPointsTiers reads are not the ones deleted.
    "deletePointsTiers": {"PROGRAM_ID": "tiers_to_delete"},
}
# A statement line no order of ours matches (an unknown supplier reference): one to resolve.
STATEMENT = "supplier_ref,face_value,currency,fulfilled_at\nsbx_samples_unknown,55.00,USD,2026-11-14\n"


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code in (200, 201, 202), f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    body: dict[str, Any] = r.json()
    return body


async def build(base: str, ctx: Runtime) -> dict[str, str]:
    """A funded org and one of everything; returns the environment every sample of it runs with."""
    async with ctx.db.unit_of_work() as s:
        made = await auth.create_org(s, f"Samples {secrets.token_hex(3)}", "USD")
        _, key = await auth.create_key(s, ctx.keyring, made.id, "test")
        # updateApiKey re-pins the key it names: a second key of the org, not the one the samples use.
        spare, _ = await auth.create_key(s, ctx.keyring, made.id, "test")
        await ledger.fund(s, made.id, "test", "USD", 200_000)
    org = OrgHandle(made.id, key, "")
    async with ctx.db.unit_of_work() as s:
        _, session = await auth.create_session(s, ctx.keyring, MEMBER_SESSION, org.id, "test", MEMBER)
    async with httpx.AsyncClient(base_url=base, headers=org.h(), timeout=30) as c:
        hook = {"url": f"http://127.0.0.1:9/samples/{secrets.token_hex(4)}"}  # port 9: nothing listens
        endpoint = _ok(await c.post("/v1/webhook_endpoints", json=hook))
        endpoint_to_delete = _ok(await c.post("/v1/webhook_endpoints", json=hook))
        order = _ok(await c.post("/v1/orders", json={"product_id": "amazon_us", "denomination": 50, "currency": "USD"}))
        # The sandbox's slow scenario (docs/sandbox.md) keeps an order open: the one cancelOrder cancels.
        slow = {"product_id": "amazon_us", "denomination": 10, "currency": "USD", "metadata": {"sandbox": "slow:300"}}
        pending_order = _ok(await c.post("/v1/orders", json=slow))
        events = _ok(await c.get("/v1/events"))["data"]
        link_req = {"value": 25, "currency": "USD", "choice": {"products": ["amazon_us"]},
                    "recipient": {"email": "ada@example.com", "name": "Ada", "country": "US"}}  # fmt: skip
        link = _ok(await c.post("/v1/reward_links", json=link_req))
        link_to_cancel = _ok(await c.post("/v1/reward_links", json=link_req))
        verified = _ok(await c.post("/v1/reward_links", json={**link_req, "verification": "email_otp"}))
        program = _ok(await c.post("/v1/points_programs", json={"name": "Samples", "currency": "USD",
                                                               "points_per_unit": 100}))  # fmt: skip
        pending_program = _ok(
            await c.post(
                "/v1/points_programs",
                json={"name": "Pending", "currency": "USD", "points_per_unit": 100, "pending_days": 5},
            )  # fmt: skip
        )
        for prog, member in ((program, MEMBER), (program, "user_43"), (pending_program, MEMBER)):
            _ok(await c.put(f"/v1/points_programs/{prog['id']}/members/{member}", json={}))
        members = f"/v1/points_programs/{program['id']}/members"
        _ok(await c.post(f"{members}/{MEMBER}/credits", json={"points": 5000, "reference": "samples-seed"}))
        to_reverse = _ok(await c.post(f"{members}/user_43/credits", json={"points": 200, "reference": "samples-rev"}))
        pending_credit = _ok(
            await c.post(
                f"/v1/points_programs/{pending_program['id']}/members/{MEMBER}/credits",
                json={"points": 50, "reference": "samples-pending"},
            )
        )
        rule = {"event_type": "samples.done", "points": {"fixed": 3}}
        rules = [_ok(await c.post(f"/v1/points_programs/{program['id']}/rules", json=rule)) for _ in "ab"]
        tiers = {"tiers": [{"name": "Silver", "min_points": 1000}], "window_months": 12}
        for prog in (program, pending_program):
            _ok(await c.put(f"/v1/points_programs/{prog['id']}/tiers", json=tiers))
        # #15 storefront: the org's store (its own slug: slugs are installation-wide), two SSO secrets.
        store = {"program_id": program["id"], "title": "Samples store", "slug": f"samples-{org.id[-8:].lower()}",
                 "allowed_return_origins": ["https://app.acme.example"]}  # fmt: skip
        _ok(await c.put("/v1/storefront", json=store))
        secret_to_delete = _ok(await c.post("/v1/storefront/sso_secrets"))
        # #16 reports and reconciliation: a run, a schedule to delete, a statement with a line to resolve.
        run = _ok(await c.post("/v1/reports", json={"type": "orders", "interval_start": "2026-11-01",
                                                   "interval_end": "2026-12-01"}))  # fmt: skip
        sched = {"type": "balance_summary", "frequency": "daily"}
        schedule = _ok(await c.post("/v1/report_schedules", json=sched))
        schedule_to_delete = _ok(await c.post("/v1/report_schedules", json=sched))
        recon = _ok(
            await c.post(
                "/v1/reconciliations", params={"supplier": "sandbox"}, content=STATEMENT.encode(),
                headers={"Content-Type": "text/csv"},
            )  # fmt: skip
        )
        lines = _ok(await c.get(f"/v1/reconciliations/{recon['id']}/lines"))["data"]
    return {
        "REWARDKIT_BASE_URL": base,
        "REWARDKIT_API_KEY": org.test_key,
        "REWARDKIT_OPERATOR_TOKEN": OPERATOR_TOKEN,
        "ORDER_ID": order["id"],
        "KEY_ID": spare.id,
        "LINK_ID": link["id"],
        "TOKEN": str(link["url"]).rsplit("/", 1)[1],
        "PROGRAM_ID": program["id"],
        "MEMBER_ID": MEMBER,
        "PTX_ID": to_reverse["id"],
        "RULE_ID": rules[0]["id"],
        "ENDPOINT_ID": endpoint["id"],
        "EVENT_ID": events[0]["id"],
        "PRODUCT_ID": "amazon_us",
        "RUN_ID": run["id"],
        "CURRENCY": "USD",  # getStatement's query: the wallet's currency and a month that has begun
        "MONTH": "2026-11",
        "SCHEDULE_ID": schedule["id"],
        "RECONCILIATION_ID": recon["id"],
        "LINE_ID": next(line["id"] for line in lines if line["status"] != "matched"),
        # What OVERRIDES names.
        "pending_order": pending_order["id"],
        "link_to_cancel": link_to_cancel["id"],
        "verification_token": str(verified["url"]).rsplit("/", 1)[1],
        "credit_to_reverse": to_reverse["id"],
        "pending_credit": pending_credit["id"],
        "rule_to_delete": rules[1]["id"],
        "endpoint_to_delete": endpoint_to_delete["id"],
        "member_session": session,
        "secret_to_delete": secret_to_delete["id"],
        "schedule_to_delete": schedule_to_delete["id"],
        "tiers_to_delete": pending_program["id"],
        # Not exported (lower case): what exclusive() needs to restore the store after putStorefront.
        "org_id": org.id,
        "store_program": program["id"],
    }


# Installation-wide rows a sample writes, which the next language's run of it would collide with:
# removed before each run (test-only housekeeping; a user runs an example once).
_INSTALLATION_WIDE = asyncio.Lock()
_STORE_LOCKS: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def exclusive(ctx: Runtime, operation_id: str, op: dict[str, Any], world: dict[str, str]) -> AsyncIterator[None]:
    """Around one run of a sample: for one that writes installation-wide rows, alone, and after the
    rows an earlier language's run of it wrote are gone."""
    if "Storefront" in operation_id:
        # The store's samples one at a time per org: none may sign a member in to the program lent
        # for putStorefront's run, which is taken away after it.
        async with _STORE_LOCKS.setdefault(world["org_id"], asyncio.Lock()):
            if operation_id != "putStorefront":
                yield
                return
            async with _INSTALLATION_WIDE, _example_program(ctx, op, world):
                yield
        return
    if operation_id != "importInventoryCodes":
        yield
        return
    example = op["requestBody"]["content"]["application/json"]["example"]
    hashes = [ctx.keyring.hash(row["code"]) for row in example["codes"]]
    async with _INSTALLATION_WIDE:
        async with ctx.db.unit_of_work() as s:
            # An inventory code is importable once per installation (its HMAC is unique).
            await s.execute(delete(InventoryCode).where(InventoryCode.code_hash.in_(hashes)))
        yield


@asynccontextmanager
async def _example_program(ctx: Runtime, op: dict[str, Any], world: dict[str, str]) -> AsyncIterator[None]:
    """putStorefront's example names a program id (ids are installation-wide): lend this org a copy of
    its own program under that id for the run, then point the store back and take the copy away."""
    example_id = op["requestBody"]["content"]["application/json"]["example"]["program_id"]
    async with ctx.db.unit_of_work() as s:
        own = await s.get(PointsProgram, world["store_program"])
        assert own is not None
        columns = {c.key: getattr(own, c.key) for c in inspect(PointsProgram).column_attrs}
        s.add(PointsProgram(**{**columns, "id": example_id, "used": False, "outstanding": 0}))
    try:
        yield
    finally:
        async with ctx.db.unit_of_work() as s:
            await s.execute(
                update(Storefront).where(Storefront.org_id == world["org_id"]).values(program_id=world["store_program"])
            )
            await s.execute(delete(PointsProgram).where(PointsProgram.id == example_id))


def env_for(world: dict[str, str], operation_id: str) -> dict[str, str]:
    env = {k: v for k, v in world.items() if k.isupper()}
    env |= {var: world[key] for var, key in OVERRIDES.get(operation_id, {}).items()}
    return env
