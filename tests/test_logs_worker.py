"""`rewardkit worker` logs as the API does (docs/deploy.md "Logs"). A module of its own: no API process
with an in-process worker may be running (test_logs_json.py has one), or that one takes the job."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx

from rewardkit.config import Settings
from tests.conftest import MakeOrg, order_body


async def test_rewardkit_worker_logs_json_lines_with_the_job(
    client: httpx.AsyncClient, make_org: MakeOrg, settings: Settings, tmp_path: Path
) -> None:
    """`rewardkit worker`: its log lines (stderr) are JSON too, each job's with its id and kind; stdout
    keeps the plain `worker … started` line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(
        REWARDKIT_DATABASE_URL=settings.database_url,
        REWARDKIT_SECRET_KEYS=settings.secret_keys,
        REWARDKIT_JOB_POLL_SECONDS="0.05",
        REWARDKIT_LOG_LEVEL="debug",
    )
    org = await make_org(USD="100.00")
    # Slower than the request waits (2 s): its job is left for a worker.
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "slow:3"}), headers=org.h())
    assert r.status_code == 202
    err_path, out_path = tmp_path / "stderr", tmp_path / "stdout"
    with err_path.open("wb") as err, out_path.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rewardkit.cli", "worker", env=env, cwd=tmp_path, stdout=out, stderr=err
        )
        try:
            for _ in range(1200):  # up to a minute: the worker process starts first, slowly on a busy machine
                order = (await client.get(f"/v1/orders/{r.json()['id']}", headers=org.h())).json()
                if order["status"] == "fulfilled":
                    break
                await asyncio.sleep(0.05)
            assert order["status"] == "fulfilled"
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), timeout=20)
    records = [json.loads(line) for line in err_path.read_text().splitlines() if line.strip()]
    mine = [x for x in records if x.get("job_kind") == "orders.fulfil" and x["event"].endswith("succeeded")]
    assert mine and all(isinstance(x["job_id"], int) and x["logger"] == "rewardkit.jobs" for x in mine)
    assert "started" in out_path.read_text()
