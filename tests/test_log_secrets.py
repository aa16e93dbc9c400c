"""The log-grep test (#12): a real API process at DEBUG, a realistic session through it, then every
secret, token and code the session created or sent is looked for in everything the process wrote
(stdout and stderr), and none is there. The logs are not empty: they hold every request's id."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

import httpx

from rewardkit.auth import service as auth
from rewardkit.auth.principals import MEMBER_SESSION
from rewardkit.config import Settings
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body
from tests.rawhttp import RawServer
from tests.served import serve_process


class Receiver(RawServer):
    """A webhook receiver that takes every delivery."""

    async def _respond(self, target: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()


def values_of(node: Any) -> list[str]:
    """Every string of a JSON log record. Numbers are left out: a PIN leaks as text (a voucher field,
    a message), while a job id or a port that happens to equal a 4-digit PIN is a number (job ids
    reach the thousands once the suite's modules queue their jobs)."""
    if isinstance(node, dict):
        return [v for item in node.values() for v in values_of(item)]
    if isinstance(node, list):
        return [v for item in node for v in values_of(item)]
    return [node] if isinstance(node, str) else []


async def wait_until_final(c: httpx.AsyncClient, order: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(300):
        if order["status"] in {"fulfilled", "refunded", "failed", "canceled"}:
            return order
        await asyncio.sleep(0.05)
        order = (await c.get(f"/v1/orders/{order['id']}", headers=headers)).json()
    raise AssertionError(f"order {order['id']} never finished: {order['status']}")


async def test_no_secret_token_or_code_reaches_the_logs(
    ctx: Runtime, settings: Settings, make_org: MakeOrg, tmp_path: Path
) -> None:
    metrics_token = "mt_" + secrets.token_urlsafe(24)
    receiver = Receiver()
    await receiver.start()
    org = await make_org(USD="1000.00", EUR="200.00")
    async with ctx.db.unit_of_work() as s:
        _, session_token = await auth.create_session(s, ctx.keyring, MEMBER_SESSION, org.id, "test", "user_7")
    secret: dict[str, str] = {
        "test key": org.test_key,
        "live key": org.live_key,
        "session token": session_token,
        "metrics token": metrics_token,
    }
    pins: list[str] = []
    request_ids: list[str] = []
    served = None
    try:
        with serve_process(
            settings, tmp_path, REWARDKIT_LOG_LEVEL="debug", REWARDKIT_METRICS_TOKEN=metrics_token
        ) as served:
            async with httpx.AsyncClient(base_url=served.base, timeout=30) as c:

                async def call(method: str, path: str, **kw: Any) -> httpx.Response:
                    r = await c.request(method, path, **kw)
                    request_ids.append(r.headers["request-id"])
                    return r

                key = org.h()
                # A webhook endpoint (its whsec_ secret is in this response only), then a rotation.
                hook = await call(
                    "POST", "/v1/webhook_endpoints", headers=key,
                    json={"url": f"http://127.0.0.1:{receiver.port}/hook", "enabled_events": ["order.fulfilled"]},
                )  # fmt: skip
                assert hook.status_code in (200, 201), hook.text
                secret["webhook secret"] = hook.json()["secret"]
                rotated = await call("POST", f"/v1/webhook_endpoints/{hook.json()['id']}/rotate_secret", headers=key)
                if rotated.status_code == 200 and rotated.json().get("secret"):
                    secret["rotated webhook secret"] = rotated.json()["secret"]

                # Orders: fulfilled at once, slow (the worker finishes it), transient (retried), failing.
                made = []
                for i, meta in enumerate([{}, {"sandbox": "slow:1"}, {"sandbox": "transient"}, {"sandbox": "fail"}]):
                    r = await call(
                        "POST", "/v1/orders", json=order_body(metadata=meta, recipient=f"r{i}@example.com"),
                        headers=org.h(**{"Idempotency-Key": f"idem-{secrets.token_hex(8)}"}),
                    )  # fmt: skip
                    assert r.status_code in (200, 202), r.text
                    made.append(await wait_until_final(c, r.json(), key))
                assert [o["status"] for o in made] == ["fulfilled", "fulfilled", "fulfilled", "refunded"]
                for n, order in enumerate(o for o in made if o["status"] == "fulfilled"):
                    token = httpx.URL(order["voucher_url"]).path.removeprefix("/v/")
                    secret[f"voucher token {n}"] = token
                    secret[f"voucher code {n}"] = order["voucher"]["code"]
                    if order["voucher"].get("pin"):
                        pins.append(order["voucher"]["pin"])
                    # The recipient opens the page, with a query string, and a sub-path that is not there.
                    assert (await call("GET", f"/v/{token}?utm_source=mail")).status_code == 200
                    await call("GET", f"/v/{token}/nope")
                    await call("GET", f"/v1/orders/{order['id']}", headers=key)  # the code, in a body
                await call("GET", "/v1/orders", headers=key, params={"limit": 10})

                # Client mistakes that carry secrets: a body with a key in it, an unknown key, the session
                # token on an API key route, a malformed body, a too-big one, a token in a query string.
                leaked = "sk_live_" + secrets.token_urlsafe(24)
                secret["secret in a 4xx body"] = leaked
                r = await call("POST", "/v1/orders", headers=key, json={"product_id": leaked, "api_key": leaked})
                assert 400 <= r.status_code < 500
                r = await call("POST", "/v1/orders", headers=key, json=order_body(denomination=leaked))
                assert r.status_code == 422
                wrong = "sk_test_" + secrets.token_urlsafe(24)
                secret["invalid key"] = wrong
                assert (
                    await call("GET", "/v1/balances", headers={"Authorization": f"Bearer {wrong}"})
                ).status_code == 401
                r = await call("GET", "/v1/balances", headers={"Authorization": f"Bearer {session_token}"})
                assert r.status_code == 403
                assert (
                    await call("GET", "/v1/session", headers={"Authorization": f"Bearer {session_token}"})
                ).status_code == 200
                bad_json = '{"product_id": "' + secret["webhook secret"]
                r = await call(
                    "POST", "/v1/orders", headers=org.h(**{"Content-Type": "application/json"}), content=bad_json
                )
                assert r.status_code == 400
                big = json.dumps({"pad": "x" * 70_000, "key": org.live_key})
                assert (await call("POST", "/v1/orders", headers=key, content=big)).status_code in (413, 415)
                await call("GET", "/v1/balances", params={"api_key": org.test_key})

                # Metrics, with and without its token.
                assert (await call("GET", "/metrics")).status_code == 401
                assert (
                    await call("GET", "/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
                ).status_code == 200

                # The worker delivers the webhooks (signed with the secret) before we stop the server.
                deliveries = f"/v1/webhook_endpoints/{hook.json()['id']}/deliveries"
                for _ in range(1200):  # up to a minute: on a busy machine the worker takes its time
                    listed = (await c.get(deliveries, headers=key)).json()
                    rows = listed["data"] if isinstance(listed, dict) else listed
                    if len(rows) >= 3 and all(d["status"] == "succeeded" for d in rows):
                        break
                    await asyncio.sleep(0.05)
                assert len(rows) >= 3 and all(d["status"] == "succeeded" for d in rows), rows
    finally:
        await receiver.stop()

    assert served is not None
    text = served.text()
    records = served.records()  # every line is JSON
    assert len(records) >= len(request_ids)
    logged_ids = {r.get("request_id") for r in records}
    assert set(request_ids) <= logged_ids, "every request's id is in the logs"
    assert any(r.get("job_kind") == "webhooks.deliver" for r in records)

    found = {name: value for name, value in secret.items() if value in text}
    assert found == {}, f"secrets in the logs: {sorted(found)}"
    # The random part alone, in case a prefix was cut or changed.
    tails = {name: value[-16:] for name, value in secret.items() if len(value) >= 24}
    assert {name for name, tail in tails.items() if tail in text} == set()
    # A 4-digit PIN is as likely to be part of a timestamp as a leak: no log value is a PIN.
    all_values = [v for r in records for v in values_of(r)]
    assert not [p for p in pins if p in all_values]
