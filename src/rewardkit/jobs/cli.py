"""`rewardkit jobs …`: look at the durable job queue, retry dead jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rewardkit.cli_support import fail, out, run

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

jobs_app = typer.Typer(help="The durable job queue.", no_args_is_help=True)


@jobs_app.command("list")
def jobs_list(
    status: Annotated[str | None, typer.Option(help="queued, running, succeeded or dead")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List jobs, newest first (e.g. `--status dead` for those that exhausted their attempts)."""
    from rewardkit.jobs import service

    if status is not None and status not in ("queued", "running", "succeeded", "dead"):
        fail("--status must be queued, running, succeeded or dead", 2)

    async def go(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.unit_of_work(readonly=True) as s:
            rows = await service.list_jobs(s, status, limit)
        return [
            {
                "id": j.id,
                "kind": j.kind,
                "status": j.status,
                "attempts": j.attempts,
                "max_attempts": j.max_attempts,
                "run_at": j.run_at.isoformat(),
                "payload": j.payload,
                "last_error": j.last_error,
            }
            for j in rows
        ]

    rows = run(go)
    text = "\n".join(
        f"{r['id']:>8}  {r['status']:<9} {r['kind']:<16} attempts {r['attempts']}/{r['max_attempts']}  "
        f"{r['last_error'] or ''}"
        for r in rows
    )
    out(rows, as_json, text or "no jobs")


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="A dead job's id")]) -> None:
    """Give a dead job a fresh set of attempts, due now."""
    from rewardkit.jobs import service

    async def go(rt: Runtime) -> bool:
        async with rt.db.unit_of_work() as s:
            return await service.retry_dead(s, job_id)

    if not run(go):
        fail(f"job {job_id} is not dead (only dead jobs can be retried)")
    typer.echo(f"job {job_id} queued again")
