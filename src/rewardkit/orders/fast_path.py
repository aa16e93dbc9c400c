"""The answer to POST /v1/orders: run the order's fulfilment job right here (it was born claimed by
this process), wait up to sync_fulfillment_timeout for a final state, else answer 202."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from rewardkit.auth.principals import Principal
from rewardkit.jobs.models import Job
from rewardkit.jobs.worker import Worker
from rewardkit.orders import repository
from rewardkit.orders.models import TERMINAL
from rewardkit.orders.render import render
from rewardkit.orders.state import OrdersState, Outcome

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def answer(
    ctx: Runtime, runner: Worker | None, ident: Principal, order_id: str, job: Job | None, record_id: int | None
) -> Outcome:
    try:
        body = await _fast_path(ctx, runner, ident, order_id, job)
    finally:
        ctx.part(OrdersState).handoff.pop(order_id, None)
    if body is not None:  # final, and the job's last transaction stored it for replay
        return Outcome(200, body)
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = await repository.get(s, ident.org_id, ident.mode, order_id)
        assert found is not None
        body = render(ctx, found, await repository.timeline(s, order_id))
    status = 200 if found.status in TERMINAL else 202
    if record_id is not None:
        async with ctx.db.unit_of_work() as s:
            await ctx.idempotency.complete(s, record_id, status, body)
    return Outcome(status, body)


async def _fast_path(
    ctx: Runtime, runner: Worker | None, ident: Principal, order_id: str, job: Job | None
) -> dict[str, Any] | None:
    """Run the fulfilment job, waiting at most sync_fulfillment_timeout for a final state. If the
    supplier is slower, the run continues in the background (a runtime task), and after a crash in a
    worker once the lease runs out. Returns the final order when this run finished it (else the caller
    reads it)."""
    timeout = ctx.settings.sync_fulfillment_timeout
    if timeout <= 0 or runner is None:
        return None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    first = job is not None and job.status == "running"
    while (remaining := deadline - loop.time()) > 0:
        if job is not None:
            # The first run uses our claim; later ones claim the job only when it is due (a quick retry).
            run = runner.execute_for_result(job) if first else runner.run_now(job.id)
            task = ctx.tasks.spawn(run)
            done, _ = await asyncio.wait({task}, timeout=remaining)
            if not done:
                return None  # the supplier is slow: the run goes on in the background
            if first:
                status, body = task.result()
                if status == "succeeded":
                    return body if isinstance(body, dict) else None  # the handler finished: the order is final
            first = False
        async with ctx.db.unit_of_work(readonly=True) as s:
            o = await repository.get(s, ident.org_id, ident.mode, order_id)
        if o is None or o.status in TERMINAL:
            return None
        await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))
    return None
