"""Tiers (docs/points.md#tiers): a program's tiers follow the points a member EARNED in a window
(credits less reversed credits; expiry and spending never lower a tier), never the balance
(DivanteLtd/open-loyalty#131).

`evaluate_in` runs in the caller's transaction with the member's row already locked: after every credit
(movements.credit_in) and reversal (corrections.reverse_in), and from the `points.tiers` job, which
sweeps a program's members once a day (a window slides) and applies end_of_period downgrades that fell
due. A change emits `points.tier_changed`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.jobs import service as jobs
from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.points import repository
from rewardkit.points.errors import PointsProgramNotFound
from rewardkit.points.models import (
    POINTS_TIER_CHANGED,
    TIERS_JOB,
    PointsMember,
    PointsMemberTier,
    PointsProgram,
    PointsTierPolicy,
    PointsTransaction,
)
from rewardkit.points.schemas import MemberTierOut, TiersOut, TiersPut

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

SWEEP_EVERY = timedelta(days=1)
SWEEP_BATCH = 200


class PointsTiersNotSet(Problem):
    status, code, title = 404, "points_tiers_not_set", "This points program has no tiers"


def now() -> datetime:
    """This module's clock for the job and the reads (movements.py, which calls evaluate_in, passes its
    own): tests move both."""
    return utcnow()


def months_before(at: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier, the day clamped to that month's length."""
    total = at.year * 12 + at.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=at.tzinfo)
    last = (nxt - timedelta(days=1)).day
    return at.replace(year=year, month=month, day=min(at.day, last))


def next_month_start(at: datetime) -> datetime:
    year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
    return at.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


async def enqueue_once(s: AsyncSession, payload: dict[str, Any], run_at: datetime, key: str) -> None:
    """A duplicate unique_key would roll the caller's transaction back (a credit's!): look first. The
    callers hold the member's row or run as the program's one sweep, so no one races between."""
    if (await s.execute(select(Job.id).where(Job.unique_key == key))).first() is None:
        await jobs.enqueue(s, TIERS_JOB, payload, run_at=run_at, unique_key=key)


def render_policy(policy: PointsTierPolicy) -> dict[str, Any]:
    body = {
        "program_id": policy.program_id,
        "tiers": list(policy.tiers),
        "window_months": policy.window_months,
        "downgrade": policy.downgrade,
        "updated_at": policy.updated_at,
    }
    return TiersOut.model_validate(body).model_dump(mode="json")


async def policy_of(s: AsyncSession, program_id: str) -> PointsTierPolicy | None:
    return await s.get(PointsTierPolicy, program_id)


async def earned(s: AsyncSession, policy: PointsTierPolicy, member: PointsMember, at: datetime) -> int:
    """Points earned in the window: credits made since `window_months` ago, less those reversed
    (all time: lifetime_earned, which reversals of credits already lower)."""
    if policy.window_months is None:
        fresh = await repository.member_by_pk(s, member.id)
        return max(fresh.lifetime_earned if fresh else member.lifetime_earned, 0)
    stmt = select(func.coalesce(func.sum(PointsTransaction.points), 0)).where(
        PointsTransaction.member_pk == member.id,
        PointsTransaction.type == "credit",
        PointsTransaction.reversed_by.is_(None),
        PointsTransaction.created_at > months_before(at, policy.window_months),
    )
    return int((await s.execute(stmt)).scalar_one())


def tier_for(policy: PointsTierPolicy, points: int) -> str | None:
    name = None
    for tier in policy.tiers:  # ascending
        if points >= tier["min_points"]:
            name = tier["name"]
    return name


def _rank(policy: PointsTierPolicy, name: str | None) -> int:
    names = [t["name"] for t in policy.tiers]
    return names.index(name) if name in names else -1


async def evaluate_in(
    ctx: Runtime, s: AsyncSession, program: PointsProgram, member: PointsMember, at: datetime, cause: str
) -> None:
    """Re-evaluate the member's tier (its row locked by the caller). Up: at once. Down: at once
    (immediate, or after a reversal), or at the start of the next calendar month UTC (end_of_period)
    unless the member has earned its way back by then."""
    policy = await policy_of(s, program.id)
    if policy is None:
        return
    points = await earned(s, policy, member, at)
    computed = tier_for(policy, points)
    row = await s.get(PointsMemberTier, member.id)
    if row is None:
        row = PointsMemberTier(
            member_pk=member.id, program_id=program.id, tier=None, earned=0, since=at, downgrade_at=None, updated_at=at
        )
        s.add(row)
    current = row.tier if _rank(policy, row.tier) >= 0 else None  # a tier since removed from the policy
    new, downgrade_at = computed, None
    # end_of_period is a grace for points that leave the window (or a debt's payment), not for a
    # reversal: a reversed credit was never earned, so the tier it bought goes at once (a credit then
    # its reversal must not buy a month of Gold).
    if _rank(policy, computed) < _rank(policy, current) and policy.downgrade == "end_of_period" and cause != "reversal":
        due = row.downgrade_at or next_month_start(at)
        if at < due:
            new, downgrade_at = current, due
            if row.downgrade_at is None:  # run the check when it falls due, not only at the daily sweep
                key = f"points_tier:{member.id}:{due.isoformat()}"
                await enqueue_once(s, {"member_pk": member.id}, due, key)
    before = row.tier
    row.earned, row.downgrade_at, row.updated_at = points, downgrade_at, at
    if new != before:
        row.tier, row.since = new, at
        data = {
            "object": "points_tier_change",
            "program_id": program.id,
            "member_id": member.member_id,
            "previous_tier": before,
            "tier": new,
            "earned": points,
            "cause": cause,
            "changed_at": at.isoformat(),
        }
        await ctx.events.emit(s, program.org_id, program.mode, POINTS_TIER_CHANGED, data, resource_id=member.id)
    await s.flush()


async def member_tier(s: AsyncSession, member: PointsMember) -> dict[str, Any] | None:
    """The member's `tier` as the API shows it: null without tiers; before its first evaluation, what it
    would be now."""
    policy = await policy_of(s, member.program_id)
    if policy is None:
        return None
    row = await s.get(PointsMemberTier, member.id)
    if row is None:
        points = await earned(s, policy, member, now())
        body: dict[str, Any] = {
            "name": tier_for(policy, points),
            "earned": points,
            "since": policy.updated_at,
            "downgrade_at": None,
        }
    else:
        body = {"name": row.tier, "earned": row.earned, "since": row.since, "downgrade_at": row.downgrade_at}
    return MemberTierOut.model_validate(body).model_dump(mode="json")


# --- the policy's units of work ----------------------------------------------------------------


async def _program(s: AsyncSession, ident: Principal, program_id: str) -> PointsProgram:
    program = await repository.program(s, ident.org_id, ident.mode, program_id)
    if program is None:
        raise PointsProgramNotFound(f"No points program {program_id} for this API key.")
    return program


def _sweep_key(program_id: str, at: datetime) -> str:
    return f"points_tiers:{program_id}:{at.date().isoformat()}"


async def put_tiers(ctx: Runtime, ident: Principal, program_id: str, req: TiersPut) -> dict[str, Any]:
    """Set or replace the tiers; every member is re-evaluated by a sweep queued now."""
    at = now()
    tiers = [{"name": t.name, "min_points": t.min_points} for t in req.tiers]
    async with ctx.db.unit_of_work() as s:
        program = await _program(s, ident, program_id)
        policy = await policy_of(s, program.id)
        if policy is None:
            policy = PointsTierPolicy(program_id=program.id, created_at=at)
            s.add(policy)
        policy.tiers, policy.window_months, policy.downgrade, policy.updated_at = (
            tiers,
            req.window_months,
            req.downgrade,
            at,
        )
        await s.flush()
        await enqueue_once(s, {"program_id": program.id}, at, f"points_tiers:{program.id}:{at.isoformat()}")
        return render_policy(policy)


async def get_tiers(ctx: Runtime, ident: Principal, program_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        policy = await policy_of(s, (await _program(s, ident, program_id)).id)
        if policy is None:
            raise PointsTiersNotSet(f"Points program {program_id} has no tiers.")
        return render_policy(policy)


async def delete_tiers(ctx: Runtime, ident: Principal, program_id: str) -> dict[str, Any]:
    """Members' tiers go (their `tier` becomes null, without events); points are untouched."""
    async with ctx.db.unit_of_work() as s:
        program = await _program(s, ident, program_id)
        policy = await policy_of(s, program.id)
        if policy is None:
            raise PointsTiersNotSet(f"Points program {program_id} has no tiers.")
        body = render_policy(policy)
        await s.execute(delete(PointsMemberTier).where(PointsMemberTier.program_id == program.id))
        await s.delete(policy)
        return body


# --- the job -------------------------------------------------------------------------------------


async def tiers_job(ctx: Runtime, payload: dict[str, Any]) -> str:
    """{"member_pk"}: one member's due downgrade; {"program_id"}: every member of the program, in
    batches of SWEEP_BATCH each in its own transaction, then the next sweep a day later."""
    if "member_pk" in payload:
        async with ctx.db.unit_of_work() as s:
            member = await repository.member_by_pk(s, payload["member_pk"])
            program = await repository.program_by_id(s, member.program_id) if member else None
            if member is None or program is None:
                return "no such member"
            at = now()
            await repository.lock_member(s, member.id, at)
            await evaluate_in(ctx, s, program, member, at, "reevaluation")
        return "evaluated"
    program_id = payload["program_id"]
    after = ""
    done = 0
    while True:
        async with ctx.db.unit_of_work() as s:
            program = await repository.program_by_id(s, program_id)
            if program is None or await policy_of(s, program_id) is None:
                return "no tiers"
            stmt = (
                select(PointsMember.id)
                .where(PointsMember.program_id == program_id, PointsMember.id > after)
                .order_by(PointsMember.id)
                .limit(SWEEP_BATCH)
            )
            pks = list((await s.execute(stmt)).scalars())
            at = now()
            for pk in pks:
                await repository.lock_member(s, pk, at)
                member = await repository.member_by_pk(s, pk)
                assert member is not None
                await evaluate_in(ctx, s, program, member, at, "reevaluation")
            if len(pks) < SWEEP_BATCH:
                nxt = at + SWEEP_EVERY
                await enqueue_once(s, {"program_id": program_id}, nxt, _sweep_key(program_id, nxt))
                return f"swept {done + len(pks)} members"
        done += len(pks)
        after = pks[-1]
