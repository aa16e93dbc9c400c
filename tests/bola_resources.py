"""The world the BOLA matrix (tests/test_bola_matrix.py) attacks: org A owns one of every resource
type in test mode, made through the public API; org B owns a few of its own so that it can aim at A's
ids from its own resources. Service calls only where no API exists (orgs, keys, funds, sessions)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rewardkit.auth import service as auth
from rewardkit.auth.principals import DASHBOARD_USER, LINK_VISITOR, MEMBER_SESSION
from rewardkit.links.models import LinkDelivery
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle, order_body


@dataclass
class World:
    a: OrgHandle
    b: OrgHandle
    order: dict[str, Any]  # A's fulfilled order: voucher code, voucher_url
    pending: dict[str, Any]  # A's order still pending: the one a cancel would change
    endpoint: dict[str, Any]  # A's webhook endpoint, with its secret (shown once, at creation)
    endpoint_2: dict[str, Any]  # and another: two of everything A lists, so every list has a next page
    event_id: str  # A's order.fulfilled event
    voucher_token: str  # the bearer token of A's hosted voucher page
    external_id: str  # the external_id A put on its orders
    idempotency_key: str  # the Idempotency-Key A created its fulfilled order with
    b_order: dict[str, Any]
    b_endpoint: dict[str, Any]
    b_event_id: str
    member_session: str  # an A member's session token (same org and mode as the resources)
    link_visitor: str  # an A reward link visitor's token
    dashboard_user: str  # an A dashboard user's token
    deliveries_cursor: str  # A's next_cursor of its endpoint's deliveries (a page of one)
    link: dict[str, Any]  # A's reward link, open (the one a cancel would change)
    link_2: dict[str, Any]  # and another, so the links list has a next page
    link_key: str  # the Idempotency-Key A created its first link with
    link_request: dict[str, Any]  # and the body it sent with it
    batch_key: str  # the Idempotency-Key A sent its batch of links with (body: {"links": [link_request]})
    batch: dict[str, Any]  # and the batch's answer
    link_deliveries_cursor: str  # A's next_cursor of link_2's deliveries (two resends, a page of one)
    message_id: str  # the Message-ID of one of those emails (what a bounce report names)
    b_link: dict[str, Any]  # B's own link, to page its deliveries with A's cursor
    a_ids: set[str] = field(default_factory=set)  # every id of A's: must never reach another caller
    a_secrets: set[str] = field(default_factory=set)  # codes, secrets, URLs of A's
    # #14 points: A's program (a member with two credits and a debit), A's pending program (a pending
    # credit), B's program and member; the requests and Idempotency-Keys A made its credit and debit with.
    points: dict[str, Any] = field(default_factory=dict)
    # #15 storefront: A's test store (on A's points program) with an HS256 secret, B's own store with its own.
    storefront: dict[str, Any] = field(default_factory=dict)
    # #16 reports: A's two report runs and two schedules (so both lists have a next page), B's own.
    reports: dict[str, Any] = field(default_factory=dict)
    # #16 reconciliation: A's two reconciliations (the first uploaded with an Idempotency-Key), their
    # lines, a line A resolved with a key, and B's own reconciliation.
    recon: dict[str, Any] = field(default_factory=dict)
    a_key_id: str = ""  # #17: the id of A's test API key (the one a version change would re-pin)


def ok(r: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert r.status_code in (statuses or (200, 201)), r.text
    body: dict[str, Any] = r.json()
    return body


async def _session(ctx: Runtime, org: OrgHandle, kind: str) -> str:
    async with ctx.db.unit_of_work() as s:
        _, raw = await auth.create_session(s, ctx.keyring, kind, org.id, "test", "subject_" + secrets.token_hex(3))
    return raw


async def _endpoint(client: httpx.AsyncClient, org: OrgHandle) -> dict[str, Any]:
    # A unique URL per world, so finding it in a response can only mean this endpoint leaked. Port 9
    # (discard): nothing listens, and no test here runs the worker that would deliver to it.
    url = f"http://127.0.0.1:9/bola/{secrets.token_hex(6)}"
    body = {"url": url, "description": "bola " + secrets.token_hex(4)}
    return ok(await client.post("/v1/webhook_endpoints", json=body, headers=org.h()))


async def _events(client: httpx.AsyncClient, org: OrgHandle) -> list[dict[str, Any]]:
    listed = ok(await client.get("/v1/events", params={"limit": 100}, headers=org.h()))
    return list(listed["data"])


async def _next_cursor(client: httpx.AsyncClient, org: OrgHandle, path: str) -> str:
    page = ok(await client.get(path, params={"limit": 1}, headers=org.h()), 200)
    assert page["has_more"] and page["next_cursor"], page
    return str(page["next_cursor"])


def link_body(external_id: str, **over: Any) -> dict[str, Any]:
    # A unique recipient address: finding it in an answer can only mean this link leaked.
    recipient = {"email": f"bola-{secrets.token_hex(5)}@example.com", "name": "Ada", "country": "US"}
    return {
        "value": 10,
        "currency": "USD",
        "choice": {"products": ["amazon_us"]},
        "recipient": recipient,
        "external_id": external_id,
        **over,
    }


async def build_world(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> World:
    a, b = await make_org(USD="160.00", ZAR="50.00"), await make_org(USD="110.00")  # B: its link holds 10
    endpoint = await _endpoint(client, a)  # first, so that the orders' events fan out to it
    endpoint_2 = await _endpoint(client, a)
    external_id = "bola-" + secrets.token_hex(5)
    key = "bola-" + secrets.token_hex(8)
    order = ok(
        await client.post(
            "/v1/orders", json=order_body(external_id=external_id), headers=a.h(**{"Idempotency-Key": key})
        )
    )
    assert order["status"] == "fulfilled", order
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ctx.settings, "sync_fulfillment_timeout", 0)  # leave it pending: still cancelable
        pending = ok(await client.post("/v1/orders", json=order_body(external_id=external_id), headers=a.h()), 202)
    assert pending["status"] == "pending", pending
    link_key = "bola-link-" + secrets.token_hex(8)
    link_request = link_body(external_id)
    link = ok(await client.post("/v1/reward_links", json=link_request, headers=a.h(**{"Idempotency-Key": link_key})))
    link_2 = ok(await client.post("/v1/reward_links", json=link_body(external_id), headers=a.h()))
    batch_key = "bola-batch-" + secrets.token_hex(8)
    batch = ok(
        await client.post(
            "/v1/reward_links/batch", json={"links": [link_request]}, headers=a.h(**{"Idempotency-Key": batch_key})
        )
    )
    batch_link = batch["data"][0]["link"]
    assert batch_link is not None, batch
    for _ in range(2):  # two deliveries, so the deliveries list has a next page
        ok(await client.post(f"/v1/webhook_endpoints/{endpoint['id']}/test", headers=a.h()))
    link_deliveries = [  # two resends of link_2 (by email, queued: no test here runs the worker)
        ok(await client.post(f"/v1/reward_links/{link_2['id']}/resend", headers=a.h())) for _ in range(2)
    ]
    async with ctx.db.unit_of_work(readonly=True) as s:
        message_id = (
            await s.execute(select(LinkDelivery.message_id).where(LinkDelivery.id == link_deliveries[0]["id"]))
        ).scalar_one()
    assert message_id
    b_link = ok(await client.post("/v1/reward_links", json=link_body("bola-b"), headers=b.h()))
    events = await _events(client, a)
    # The fulfilled order's event: its data carries the voucher code, the worst thing to leak.
    fulfilled = next(e for e in events if e["type"] == "order.fulfilled" and e["data"]["id"] == order["id"])
    deliveries = ok(
        await client.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries", params={"limit": 100}, headers=a.h())
    )
    statement = ok(await client.get("/v1/balance_transactions", params={"limit": 100}, headers=a.h()), 200)
    b_endpoint = await _endpoint(client, b)
    b_order = ok(await client.post("/v1/orders", json=order_body(), headers=b.h()))
    deliveries_cursor = await _next_cursor(client, a, f"/v1/webhook_endpoints/{endpoint['id']}/deliveries")
    link_deliveries_cursor = await _next_cursor(client, a, f"/v1/reward_links/{link_2['id']}/deliveries")
    token = str(order["voucher_url"]).rsplit("/", 1)[1]
    world = World(
        a=a,
        b=b,
        order=order,
        pending=pending,
        endpoint=endpoint,
        endpoint_2=endpoint_2,
        event_id=fulfilled["id"],
        voucher_token=token,
        external_id=external_id,
        idempotency_key=key,
        b_order=b_order,
        b_endpoint=b_endpoint,
        b_event_id=(await _events(client, b))[0]["id"],
        member_session=await _session(ctx, a, MEMBER_SESSION),
        link_visitor=await _session(ctx, a, LINK_VISITOR),
        dashboard_user=await _session(ctx, a, DASHBOARD_USER),
        deliveries_cursor=deliveries_cursor,
        link=link,
        link_2=link_2,
        link_key=link_key,
        link_request=link_request,
        batch_key=batch_key,
        batch=batch,
        link_deliveries_cursor=link_deliveries_cursor,
        message_id=message_id,
        b_link=b_link,
    )
    await _points(client, a, b, world)
    await _storefront(client, a, b, world)
    await _reports(client, a, b, world)
    await _reconciliation(client, a, b, world)
    world.a_ids |= {
        a.id,
        order["id"],
        pending["id"],
        link["id"],
        link_2["id"],
        batch_link["id"],
        endpoint["id"],
        endpoint_2["id"],
        *(e["id"] for e in events),
        *(d["id"] for d in deliveries["data"]),
        *(d["id"] for d in link_deliveries),
        message_id,
    }
    # Statement lines by their ledger transaction (ltx_…): their own ids (btx_5) are short serials.
    world.a_ids |= {line["transaction_id"] for line in statement["data"]}
    world.a_secrets |= {
        endpoint["secret"],
        endpoint["url"],
        endpoint_2["secret"],
        endpoint_2["url"],
        token,
        order["voucher"]["code"],
        external_id,
        key,
        link_key,
        batch_key,
        *(x["url"] for x in (link, link_2, batch_link)),
        *(x["url"].rsplit("/", 1)[1] for x in (link, link_2, batch_link)),
        *(x["recipient"]["email"] for x in (link, link_2)),
    }
    async with ctx.db.unit_of_work(readonly=True) as s:
        world.a_key_id = next(k.id for k in await auth.list_keys(s, a.id) if k.mode == "test")
    world.a_ids.add(world.a_key_id)
    return world


async def _points(client: httpx.AsyncClient, a: OrgHandle, b: OrgHandle, w: World) -> None:
    """A's points program with a member (two credits and a debit, so its transactions have a next page),
    a second program whose credits are pending (the one a release would change), and B's own."""
    pts: dict[str, Any] = {}
    base = {"name": "Bola points", "currency": "USD", "points_per_unit": 100}
    pts["program"] = ok(await client.post("/v1/points_programs", json=base, headers=a.h()))
    pts["pending_program"] = ok(
        await client.post("/v1/points_programs", json={**base, "pending_days": 5}, headers=a.h())
    )
    pts["b_program"] = ok(await client.post("/v1/points_programs", json=base, headers=b.h()))
    pts["member"] = "bola-" + secrets.token_hex(5)
    pts["b_member"] = "bola-b-" + secrets.token_hex(5)
    email = f"bola-{secrets.token_hex(5)}@example.com"
    pid, ppid, bpid = pts["program"]["id"], pts["pending_program"]["id"], pts["b_program"]["id"]
    b_email = f"bola-b-{secrets.token_hex(5)}@example.com"  # B's own: A's email is one of A's secrets
    for org, prog, mid, mail in (
        (a, pid, pts["member"], email),
        (a, ppid, pts["member"], email),
        (b, bpid, pts["b_member"], b_email),
    ):
        ok(await client.put(f"/v1/points_programs/{prog}/members/{mid}", json={"email": mail}, headers=org.h()))
    url = f"/v1/points_programs/{pid}/members/{pts['member']}"
    pts["credit_key"], pts["debit_key"] = "bola-pc-" + secrets.token_hex(8), "bola-pd-" + secrets.token_hex(8)
    pts["credit_request"] = {"points": 100, "reference": "bola-ref-" + secrets.token_hex(5)}
    pts["debit_request"] = {"points": 30, "reference": "bola-ref-" + secrets.token_hex(5)}
    h = a.h(**{"Idempotency-Key": pts["credit_key"]})
    pts["credit"] = ok(await client.post(url + "/credits", json=pts["credit_request"], headers=h))
    more = ok(await client.post(url + "/credits", json={"points": 50, "reference": "bola-2"}, headers=a.h()))
    h = a.h(**{"Idempotency-Key": pts["debit_key"]})
    pts["debit"] = ok(await client.post(url + "/debits", json=pts["debit_request"], headers=h))
    pending_url = f"/v1/points_programs/{ppid}/members/{pts['member']}/credits"
    pts["pending"] = ok(await client.post(pending_url, json={"points": 5, "reference": "bola-3"}, headers=a.h()))
    pts["cursor"] = await _next_cursor(client, a, url + "/transactions")
    pts["member_2"] = "bola-" + secrets.token_hex(5)  # a second member of A's program: its list has a next page
    ok(await client.put(f"/v1/points_programs/{pid}/members/{pts['member_2']}", json={}, headers=a.h()))
    pts["members_cursor"] = await _next_cursor(client, a, f"/v1/points_programs/{pid}/members")
    # #14 redemptions and batch credits: enough points for a redemption by every owner's sanity call, one
    # redemption and one batch made with an Idempotency-Key (their keys and bodies, for the replay rows).
    ok(await client.post(url + "/credits", json={"points": 5000, "reference": "bola-4"}, headers=a.h()))
    pts["redeem_key"], pts["batch_key"] = "bola-pr-" + secrets.token_hex(8), "bola-pb-" + secrets.token_hex(8)
    pts["redeem_request"] = {"product_id": "amazon_us", "denomination": 10, "currency": "USD"}
    h = a.h(**{"Idempotency-Key": pts["redeem_key"]})
    pts["redemption"] = ok(await client.post(url + "/redemptions", json=pts["redeem_request"], headers=h))
    batch_item = {"member_id": pts["member"], "points": 5, "reference": "bola-batch-" + secrets.token_hex(5)}
    pts["batch_request"] = {"credits": [batch_item]}
    h = a.h(**{"Idempotency-Key": pts["batch_key"]})
    pts["batch"] = ok(
        await client.post(f"/v1/points_programs/{pid}/credits/batch", json=pts["batch_request"], headers=h)
    )
    w.points = pts
    txs = (pts["credit"], more, pts["debit"], pts["pending"])
    w.a_ids |= {pid, ppid, *(t["id"] for t in txs), *(lot["lot_id"] for t in txs for lot in t["lots"])}
    w.a_secrets |= {pts["member"], pts["member_2"], email, pts["credit_key"], pts["debit_key"]}
    w.a_secrets |= {pts["credit_request"]["reference"], pts["debit_request"]["reference"]}
    red = pts["redemption"]
    w.a_ids |= {red["transaction"]["id"], red["order"]["id"], pts["batch"]["data"][0]["transaction"]["id"]}
    w.a_secrets |= {pts["redeem_key"], pts["batch_key"], batch_item["reference"]}
    await _points_rules(client, a, b, w)


async def _points_rules(client: httpx.AsyncClient, a: OrgHandle, b: OrgHandle, w: World) -> None:
    """#14 rules: two earning rules and two activities in A's program (so each list has a next page), a
    rule and an activity in B's, and tiers on A's program."""
    pts = w.points
    pid, bpid = pts["program"]["id"], pts["b_program"]["id"]
    rule = {"event_type": "bola.done", "points": {"fixed": 3}, "daily_cap": 100}
    pts["rules"] = [ok(await client.post(f"/v1/points_programs/{pid}/rules", json=rule, headers=a.h())) for _ in "ab"]
    ok(await client.post(f"/v1/points_programs/{bpid}/rules", json=rule, headers=b.h()))
    acts = []
    for org, prog, mid in ((a, pid, pts["member"]), (a, pid, pts["member"]), (b, bpid, pts["b_member"])):
        body = {"member_id": mid, "event_type": "bola.done", "reference": "bola-act-" + secrets.token_hex(5)}
        acts.append(ok(await client.post(f"/v1/points_programs/{prog}/activities", json=body, headers=org.h())))
    pts["activities"] = acts[:2]
    tiers = {"tiers": [{"name": "Bola", "min_points": 1}], "window_months": 12}
    ok(await client.put(f"/v1/points_programs/{pid}/tiers", json=tiers, headers=a.h()))
    pts["rules_cursor"] = await _next_cursor(client, a, f"/v1/points_programs/{pid}/rules")
    pts["activities_cursor"] = await _next_cursor(client, a, f"/v1/points_programs/{pid}/activities")
    w.a_ids |= {r["id"] for r in pts["rules"]} | {x["id"] for x in acts[:2]}
    w.a_ids |= {c["transaction_id"] for x in acts[:2] for c in x["credits"] if c["transaction_id"]}
    w.a_secrets |= {x["reference"] for x in acts[:2]}


async def _storefront(client: httpx.AsyncClient, a: OrgHandle, b: OrgHandle, w: World) -> None:
    """#15: A's and B's test stores, each on its own org's program, each with an HS256 secret."""
    sf: dict[str, Any] = {}
    for name, org, program in (("a", a, w.points["program"]["id"]), ("b", b, w.points["b_program"]["id"])):
        body = {"program_id": program, "title": f"Bola {name}", "allowed_return_origins": ["https://app.example.com"]}
        sf[name] = ok(await client.put("/v1/storefront", json=body, headers=org.h()))
        sf[f"{name}_secret"] = ok(await client.post("/v1/storefront/sso_secrets", headers=org.h()))
    w.storefront = sf
    w.a_ids |= {sf["a"]["id"], sf["a_secret"]["id"]}
    w.a_secrets |= {sf["a_secret"]["secret"], sf["a"]["slug"]}


# What org A can see of its own resources. Read before and after every attack: equal means the attack
# changed nothing (no cancel, no new delivery, no rotated secret, no event, no ledger line).
SNAPSHOT_PATHS = (
    "/v1/orders/{order}",
    "/v1/orders/{pending}",
    "/v1/orders?limit=100",
    "/v1/webhook_endpoints",
    "/v1/webhook_endpoints/{endpoint}",
    "/v1/webhook_endpoints/{endpoint}/deliveries?limit=100",
    "/v1/events?limit=100",
    "/v1/balances",
    "/v1/balance_transactions?limit=100",
    "/v1/reward_links/{link}",
    "/v1/reward_links/{link_2}/deliveries?limit=100",
    "/v1/reward_links?limit=100",
    "/v1/points_programs/{points_program}",
    "/v1/points_programs?limit=100",
    "/v1/points_programs/{points_program}/members/{points_member}",
    "/v1/points_programs/{points_program}/members/{points_member}/transactions?limit=100",
    "/v1/points_programs/{points_pending}/members/{points_member}",
    "/v1/points_programs/{points_program}/rules?limit=100",
    "/v1/points_programs/{points_program}/activities?limit=100",
    "/v1/points_programs/{points_program}/tiers",
    "/v1/storefront",
    "/v1/storefront/sso_secrets",
    "/v1/reconciliations?limit=100",
    "/v1/reconciliations/{reconciliation}",
    "/v1/reconciliations/{reconciliation}/lines?limit=100",
)


async def snapshot(client: httpx.AsyncClient, w: World) -> dict[str, Any]:
    ids = {"order": w.order["id"], "pending": w.pending["id"], "endpoint": w.endpoint["id"], "link": w.link["id"],
           "link_2": w.link_2["id"]}  # fmt: skip
    pts = w.points
    ids |= {"points_program": pts["program"]["id"], "points_member": pts["member"]}
    ids["points_pending"] = pts["pending_program"]["id"]
    ids["reconciliation"] = w.recon["rcn"]["id"]
    seen: dict[str, Any] = {}
    for template in SNAPSHOT_PATHS:
        path = template.format(**ids)
        seen[path] = ok(await client.get(path, headers=w.a.h()), 200)
    return seen


# --- #16 reconciliation ---------------------------------------------------------------------------


def recon_statement(tag: str) -> bytes:
    """Two references nobody has (missing here), dated today: every fulfilled order of the org today
    is missing there."""
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    rows = [f"bola-{tag}-{i},10.00,USD,{today}" for i in (1, 2)]
    return ("supplier_ref,face_value,currency,fulfilled_at\n" + "\n".join(rows) + "\n").encode()


async def _reconciliation(client: httpx.AsyncClient, a: OrgHandle, b: OrgHandle, w: World) -> None:
    rc: dict[str, Any] = {"key": "bola-rcn-" + secrets.token_hex(5), "body": recon_statement(secrets.token_hex(3))}
    csv = {"Content-Type": "text/csv"}
    url = "/v1/reconciliations?supplier=sandbox"
    rc["rcn"] = ok(await client.post(url, content=rc["body"], headers=a.h(**csv, **{"Idempotency-Key": rc["key"]})))
    rc["rcn_2"] = ok(await client.post(url, content=recon_statement("two"), headers=a.h(**csv)))
    rc["b_rcn"] = ok(await client.post(url, content=recon_statement("b"), headers=b.h(**csv)))
    lines_url = f"/v1/reconciliations/{rc['rcn']['id']}/lines"
    lines = ok(await client.get(lines_url, params={"limit": 100}, headers=a.h()))["data"]
    b_lines = ok(await client.get(f"/v1/reconciliations/{rc['b_rcn']['id']}/lines", headers=b.h()))["data"]
    rc["line"], rc["keyed_line"], rc["b_line"] = lines[0], lines[1], b_lines[0]
    rc["lines_cursor"] = await _next_cursor(client, a, lines_url)
    rc["resolve_key"] = "bola-res-" + secrets.token_hex(5)
    rc["resolve_request"] = {"action": "write_off", "note": "bola: written off"}
    resolve_url = f"{lines_url}/{rc['keyed_line']['id']}/resolve"
    headers = a.h(**{"Idempotency-Key": rc["resolve_key"]})
    rc["resolved"] = ok(await client.post(resolve_url, json=rc["resolve_request"], headers=headers))
    w.recon = rc
    w.a_ids |= {rc["rcn"]["id"], rc["rcn_2"]["id"], *(x["id"] for x in lines), rc["resolved"]["resolution"]["id"]}
    w.a_secrets |= {rc["key"], rc["resolve_key"]}


async def _reports(client: httpx.AsyncClient, a: OrgHandle, b: OrgHandle, w: World) -> None:
    """#16 reports: two runs and two schedules of A's (each list has a next page), one of each of B's."""
    now = datetime.now(UTC)
    start, end = (now - timedelta(days=1)).isoformat(), now.isoformat()
    run = {"type": "balance_summary", "interval_start": start, "interval_end": end}
    schedule = {"type": "balance_summary", "frequency": "daily"}
    rep: dict[str, Any] = {
        "runs": [ok(await client.post("/v1/reports", json=run, headers=a.h())) for _ in "ab"],
        "schedules": [ok(await client.post("/v1/report_schedules", json=schedule, headers=a.h())) for _ in "ab"],
        "b_run": ok(await client.post("/v1/reports", json=run, headers=b.h())),
        "b_schedule": ok(await client.post("/v1/report_schedules", json=schedule, headers=b.h())),
    }
    rep["runs_cursor"] = await _next_cursor(client, a, "/v1/reports")
    rep["schedules_cursor"] = await _next_cursor(client, a, "/v1/report_schedules")
    w.reports = rep
    w.a_ids |= {x["id"] for x in rep["runs"]} | {x["id"] for x in rep["schedules"]}
