"""`rewardkit points …`: programs, a member's balance, and a credit for support."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rewardkit.cli_support import fail, out, run
from rewardkit.kit.errors import Problem

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

points_app = typer.Typer(help="Reward points: programs, members, support credits.", no_args_is_help=True)
programs_app = typer.Typer(help="Points programs.", no_args_is_help=True)
member_app = typer.Typer(help="A member of a points program.", no_args_is_help=True)
points_app.add_typer(programs_app, name="programs")
points_app.add_typer(member_app, name="member")


@programs_app.command("list")
def programs_list(
    org: Annotated[str | None, typer.Option(help="Only this organisation's")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Points programs, newest first."""
    from rewardkit.points import service

    async def go(rt: Runtime) -> list[dict[str, Any]]:
        return await service.cli_programs(rt, org, limit)

    rows = run(go)
    lines = [
        f"{p['id']}  {'live' if p['livemode'] else 'test'}  {p['currency']}  {p['funding']:<13}  "
        f"outstanding {p['outstanding_points']}  {p['name']}"
        for p in rows
    ]
    out(rows, as_json, "\n".join(lines) or "no points programs")


def _member(program: str, member: str) -> dict[str, Any]:
    from rewardkit.points import service

    async def go(rt: Runtime) -> dict[str, Any]:
        return await service.cli_member(rt, program, member)

    try:
        return run(go)
    except Problem as p:
        fail(p.detail)


@member_app.command("show")
def member_show(
    program: Annotated[str, typer.Option(help="Program id (ppg_…)")],
    member: Annotated[str, typer.Option(help="The member's id (the customer's user id)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The member as the API shows it (email included: for support, mind where you paste it)."""
    data = _member(program, member)
    b = data["balance"]
    text = (
        f"{data['id']} in {data['program_id']}: available {b['available']}, pending {b['pending']}, "
        f"lifetime earned {b['lifetime_earned']}"
    )
    expiring = [f"  {x['points']} on {x['expires_at']} ({x['lot_id']})" for x in data["expiring"]]
    out(data, as_json, "\n".join([text, *expiring]))


@member_app.command("balance")
def member_balance(
    program: Annotated[str, typer.Option(help="Program id (ppg_…)")],
    member: Annotated[str, typer.Option(help="The member's id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The member's balance only."""
    b = _member(program, member)["balance"]
    out(b, as_json, f"available {b['available']}  pending {b['pending']}  lifetime_earned {b['lifetime_earned']}")


@points_app.command("credit")
def credit(
    program: Annotated[str, typer.Option(help="Program id (ppg_…)")],
    member: Annotated[str, typer.Option(help="The member's id")],
    points: Annotated[int, typer.Option(help="A positive whole number of points")],
    reference: Annotated[str, typer.Option(help="Unique in the program, e.g. the support ticket id")],
    reason: Annotated[str | None, typer.Option(help="Why (shown on the transaction); optional, as in the API")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Credit points for support, exactly as the API would (same reference: replayed, not doubled)."""
    from rewardkit.points import service
    from rewardkit.points.movements import Result

    if points <= 0 or points > 10**12:
        fail("--points must be a positive whole number (at most 10^12)", 2)
    if not reference or len(reference) > 120:
        fail("--reference is 1 to 120 characters", 2)

    async def go(rt: Runtime) -> Result:
        return await service.cli_credit(rt, program, member, points, reason[:300] if reason else None, reference)

    try:
        done = run(go)
    except Problem as p:
        fail(p.detail)
    tx = done.body
    said = "already credited (replayed)" if done.replayed else "credited"
    out(tx, as_json, f"{tx['id']}: {said} {tx['points']} points; available {tx['balance_after']}")
