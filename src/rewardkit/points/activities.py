"""Activities (docs/points.md#activities): what happened to a member, as the customer's product says
it; the program's earning rules turn it into credits, in the same transaction, through
movements.credit_in (one credit per matching rule, reference `pac_…:prl_…`).

Order inside the transaction: the activity row first (its unique reference makes a concurrent
duplicate wait, then fail, then replay), then the member's row lock (credit_in takes it too; taken
here first so the caps are summed under it: two activities of one member cannot both fit under a
cap that holds one), then each rule's caps and credit."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.kit.errors import ValidationFailed
from rewardkit.kit.ids import new_id
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.points import movements, repository
from rewardkit.points.errors import PointsMemberNotFound, ReferenceReused
from rewardkit.points.models import PointsActivity, PointsProgram, PointsRule, PointsRuleCredit
from rewardkit.points.rule_schemas import ActivityCreate, ActivityOut
from rewardkit.points.rules import live_rules, matches, points_for, program_of

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

SKEW = timedelta(minutes=5)  # how far in the future occurred_at may be (clocks differ)
BACKDATE = timedelta(days=30)  # how far in the past: a late report still counts, an old one is refused


def render_activity(a: PointsActivity) -> dict[str, Any]:
    body = {
        "id": a.id,
        "livemode": a.mode == "live",
        "program_id": a.program_id,
        "member_id": a.member_id,
        "event_type": a.event_type,
        "properties": dict(a.properties),
        "reference": a.reference,
        "occurred_at": a.occurred_at,
        "points": a.points,
        "credits": list(a.credits),
        "created_at": a.created_at,
    }
    return ActivityOut.model_validate(body).model_dump(mode="json")


def fingerprint(req: ActivityCreate) -> str:
    occurred = req.occurred_at.astimezone(UTC).isoformat() if req.occurred_at else None
    raw = orjson.dumps([req.member_id, req.event_type, req.properties, occurred], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors=[{"field": name, "in": "body", "pointer": f"/{name}", "message": message}])


async def _used(s: AsyncSession, rule: PointsRule, member_pk: str, month: str, day: str | None) -> int:
    """What the rule has credited the member in the month (or the day)."""
    stmt = select(func.coalesce(func.sum(PointsRuleCredit.points), 0)).where(
        PointsRuleCredit.rule_id == rule.id, PointsRuleCredit.member_pk == member_pk, PointsRuleCredit.month == month
    )
    if day is not None:
        stmt = stmt.where(PointsRuleCredit.day == day)
    return int((await s.execute(stmt)).scalar_one())


async def _by_reference(s: AsyncSession, program_id: str, reference: str) -> PointsActivity | None:
    stmt = select(PointsActivity).where(PointsActivity.program_id == program_id, PointsActivity.reference == reference)
    return (await s.execute(stmt)).scalar_one_or_none()


async def record(ctx: Runtime, ident: Principal, program_id: str, req: ActivityCreate) -> tuple[dict[str, Any], bool]:
    """(the activity, replayed). Retried once when a concurrent request took the same reference first:
    the retry finds it and replays it, or is 409."""
    for attempt in (1, 2):
        try:
            return await _record_once(ctx, ident, program_id, req)
        except IntegrityError as exc:
            if attempt == 2 or "reference" not in str(exc.orig):
                raise
    raise AssertionError("unreachable")


async def _record_once(
    ctx: Runtime, ident: Principal, program_id: str, req: ActivityCreate
) -> tuple[dict[str, Any], bool]:
    fp = fingerprint(req)
    at = movements.now()
    occurred = req.occurred_at.astimezone(UTC) if req.occurred_at else at
    async with ctx.db.unit_of_work() as s:
        program = await program_of(s, ident, program_id)
        found = await _by_reference(s, program.id, req.reference)
        if found is not None:
            if found.fingerprint != fp:
                raise ReferenceReused(
                    f"Reference {req.reference!r} was already used in this program by activity {found.id} with "
                    "another request: use a new reference for a new activity.",
                    activity_id=found.id,
                )
            return render_activity(found), True
        member = await repository.member(s, program.id, req.member_id)
        if member is None:
            raise PointsMemberNotFound(f"No member {req.member_id!r} in points program {program.id}.")
        if occurred > at + SKEW:
            raise _field("occurred_at", "must not be in the future")
        if occurred < at - BACKDATE:
            raise _field("occurred_at", "must be within the last 30 days")
        activity = PointsActivity(
            id=new_id("pac"),
            org_id=program.org_id,
            mode=program.mode,
            program_id=program.id,
            member_pk=member.id,
            member_id=member.member_id,
            event_type=req.event_type,
            properties=dict(req.properties),
            reference=req.reference,
            fingerprint=fp,
            occurred_at=occurred,
            credits=[],
            points=0,
            created_at=at,
        )
        s.add(activity)
        await s.flush()
        await repository.lock_member(s, member.id, at)
        credits = await _apply(ctx, s, program, member, activity, occurred)
        activity.credits, activity.points = credits, sum(c["points"] for c in credits)
        await s.flush()
        return render_activity(activity), False


async def _apply(
    ctx: Runtime, s: AsyncSession, program: PointsProgram, member: Any, activity: PointsActivity, occurred: datetime
) -> list[dict[str, Any]]:
    """Each matching rule, oldest first: its points, reduced to what its caps leave (0: nothing
    credited, the rule still listed), credited."""
    day, month = occurred.strftime("%Y-%m-%d"), occurred.strftime("%Y-%m")
    credits: list[dict[str, Any]] = []
    for rule in await live_rules(s, program.id, activity.event_type):
        if not matches(rule, activity.event_type, activity.properties, occurred):
            continue
        requested = granted = points_for(rule, activity.properties)
        if granted and rule.daily_cap is not None:
            granted = min(granted, max(rule.daily_cap - await _used(s, rule, member.id, month, day), 0))
        if granted and rule.monthly_cap is not None:
            granted = min(granted, max(rule.monthly_cap - await _used(s, rule, member.id, month, None), 0))
        tx_id = None
        if granted:
            reason = rule.description or f"{activity.event_type} (rule {rule.id})"
            result = await movements.credit_in(
                ctx, s, program, member, granted, reason[:300], f"{activity.id}:{rule.id}"
            )
            tx_id = result.tx.id
            s.add(
                PointsRuleCredit(
                    activity_id=activity.id, rule_id=rule.id, member_pk=member.id, day=day, month=month, points=granted
                )
            )
            await s.flush()
        credits.append({"rule_id": rule.id, "points": granted, "requested_points": requested, "transaction_id": tx_id})
    return credits


async def list_activities(
    ctx: Runtime, ident: Principal, program_id: str, member_id: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        program = await program_of(s, ident, program_id)
        stmt = select(PointsActivity).where(PointsActivity.program_id == program.id)
        if member_id is not None:
            stmt = stmt.where(PointsActivity.member_id == member_id)
        before = decode_cursor(cursor)
        if before is not None:
            stmt = stmt.where(PointsActivity.id < before)
        rows = list((await s.execute(stmt.order_by(PointsActivity.id.desc()).limit(limit + 1))).scalars())
    return page(rows, limit, key=lambda r: r.id, render=render_activity)
