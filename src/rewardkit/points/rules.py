"""Earning rules (docs/points.md#earning-rules): what an activity is worth. CRUD units of work here, and
the pure evaluation `matches` / `points_for` that activities.py applies inside its transaction.

Arithmetic is exact: a property's number is read as the decimal the JSON spelled (an int as is, a
float through its shortest repr, which is what the JSON said), and per-unit points are
floor(value × points / per), rounded DOWN to a whole point (never in the member's favour, so a retry
or a split of one purchase into two never earns more). No expression language: six comparisons and
`in`, on scalars."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.kit.errors import Problem, ValidationFailed
from rewardkit.kit.ids import new_id
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.points import movements, repository
from rewardkit.points.errors import PointsProgramNotFound
from rewardkit.points.models import PointsProgram, PointsRule
from rewardkit.points.rule_schemas import RuleCreate, RuleDeleted, RuleOut, RuleUpdate
from rewardkit.points.schemas import MAX_POINTS

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


class PointsRuleNotFound(Problem):
    """Also a deleted rule, or another program's."""

    status, code, title = 404, "points_rule_not_found", "No such earning rule in this points program"


def render_rule(rule: PointsRule) -> dict[str, Any]:
    per_unit = None
    if rule.per_unit_property is not None:
        per_unit = {"property": rule.per_unit_property, "points": rule.per_unit_points, "per": rule.per_unit_per}
    body = {
        "id": rule.id,
        "livemode": rule.mode == "live",
        "program_id": rule.program_id,
        "event_type": rule.event_type,
        "description": rule.description,
        "points": {"fixed": rule.points_fixed, "per_unit": per_unit},
        "conditions": list(rule.conditions),
        "daily_cap": rule.daily_cap,
        "monthly_cap": rule.monthly_cap,
        "starts_at": rule.starts_at,
        "ends_at": rule.ends_at,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }
    return RuleOut.model_validate(body).model_dump(mode="json")


# --- evaluation ------------------------------------------------------------------------------------


def number(value: Any) -> Decimal | None:
    """A property as an exact decimal, or None if it is not a number (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _equal(a: Any, b: Any) -> bool:
    na, nb = number(a), number(b)
    if na is not None or nb is not None:
        return na is not None and nb is not None and na == nb  # 1 == 1.0, but never "1" or true
    return type(a) is type(b) and bool(a == b)


def holds(condition: dict[str, Any], properties: dict[str, Any]) -> bool:
    """A condition on a property the activity does not carry is false, whatever its operator."""
    if condition["property"] not in properties:
        return False
    have, op, want = properties[condition["property"]], condition["op"], condition["value"]
    if op == "eq":
        return _equal(have, want)
    if op == "neq":
        return not _equal(have, want)
    if op == "in":
        return any(_equal(have, w) for w in want)
    a, b = number(have), number(want)
    if a is None or b is None:
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def matches(rule: PointsRule, event_type: str, properties: dict[str, Any], at: datetime) -> bool:
    if rule.deleted_at is not None or rule.event_type != event_type:
        return False
    if rule.starts_at is not None and at < rule.starts_at:
        return False
    if rule.ends_at is not None and at >= rule.ends_at:  # the window is [starts_at, ends_at)
        return False
    return all(holds(c, properties) for c in rule.conditions)


def points_for(rule: PointsRule, properties: dict[str, Any]) -> int:
    """What the rule gives before caps: fixed, or floor(value × points / per) (0 for a missing,
    non-numeric or negative property), at most MAX_POINTS."""
    if rule.points_fixed is not None:
        return rule.points_fixed
    assert rule.per_unit_property is not None and rule.per_unit_points and rule.per_unit_per
    value = number(properties.get(rule.per_unit_property))
    if value is None or value <= 0:
        return 0
    with localcontext(prec=80):  # exact for every float's 17 digits times 10⁹; larger results are clamped
        product = value * rule.per_unit_points
        if product >= (MAX_POINTS + 1) * rule.per_unit_per:
            return MAX_POINTS
        return int(product // rule.per_unit_per)


# --- CRUD ------------------------------------------------------------------------------------------


async def program_of(s: AsyncSession, ident: Principal, program_id: str) -> PointsProgram:
    program = await repository.program(s, ident.org_id, ident.mode, program_id)
    if program is None:
        raise PointsProgramNotFound(f"No points program {program_id} for this API key.")
    return program


async def _rule(s: AsyncSession, program: PointsProgram, rule_id: str) -> PointsRule:
    rule = (
        await s.execute(select(PointsRule).where(PointsRule.id == rule_id, PointsRule.program_id == program.id))
    ).scalar_one_or_none()
    if rule is None or rule.deleted_at is not None:
        raise PointsRuleNotFound(f"No earning rule {rule_id} in points program {program.id}.")
    return rule


async def live_rules(s: AsyncSession, program_id: str, event_type: str) -> list[PointsRule]:
    """The program's rules for the event type, oldest first (the order of an activity's credits)."""
    stmt = (
        select(PointsRule)
        .where(
            PointsRule.program_id == program_id,
            PointsRule.event_type == event_type,
            PointsRule.deleted_at.is_(None),
        )
        .order_by(PointsRule.id)
    )
    return list((await s.execute(stmt)).scalars())


def _points_columns(points: dict[str, Any]) -> dict[str, Any]:
    per_unit = points.get("per_unit")
    return {
        "points_fixed": points.get("fixed"),
        "per_unit_property": per_unit["property"] if per_unit else None,
        "per_unit_points": per_unit["points"] if per_unit else None,
        "per_unit_per": per_unit.get("per", 1) if per_unit else None,
    }


async def create_rule(ctx: Runtime, ident: Principal, program_id: str, req: RuleCreate) -> dict[str, Any]:
    now = movements.now()
    data = req.model_dump()
    rule = PointsRule(
        id=new_id("prl"),
        org_id=ident.org_id,
        mode=ident.mode,
        program_id=program_id,
        event_type=req.event_type,
        description=req.description,
        conditions=data["conditions"],
        daily_cap=req.daily_cap,
        monthly_cap=req.monthly_cap,
        starts_at=req.starts_at,
        ends_at=req.ends_at,
        deleted_at=None,
        created_at=now,
        updated_at=now,
        **_points_columns(data["points"]),
    )
    async with ctx.db.unit_of_work() as s:
        await program_of(s, ident, program_id)
        s.add(rule)
        await s.flush()
        return render_rule(rule)


async def get_rule(ctx: Runtime, ident: Principal, program_id: str, rule_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return render_rule(await _rule(s, await program_of(s, ident, program_id), rule_id))


async def list_rules(ctx: Runtime, ident: Principal, program_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        program = await program_of(s, ident, program_id)
        stmt = select(PointsRule).where(PointsRule.program_id == program.id, PointsRule.deleted_at.is_(None))
        before = decode_cursor(cursor)
        if before is not None:
            stmt = stmt.where(PointsRule.id < before)
        rows = list((await s.execute(stmt.order_by(PointsRule.id.desc()).limit(limit + 1))).scalars())
    return page(rows, limit, key=lambda r: r.id, render=render_rule)


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors=[{"field": name, "in": "body", "pointer": f"/{name}", "message": message}])


async def update_rule(ctx: Runtime, ident: Principal, program_id: str, rule_id: str, req: RuleUpdate) -> dict[str, Any]:
    given = req.model_dump(exclude_unset=True)
    for name in ("event_type", "points", "conditions"):
        if name in given and given[name] is None:
            raise _field(name, "may not be null")
    values: dict[str, Any] = {k: v for k, v in given.items() if k != "points"}
    if "points" in given:
        values |= _points_columns(given["points"])
    async with ctx.db.unit_of_work() as s:
        rule = await _rule(s, await program_of(s, ident, program_id), rule_id)
        starts = values.get("starts_at", rule.starts_at)
        ends = values.get("ends_at", rule.ends_at)
        if starts is not None and ends is not None and ends <= starts:
            raise _field("ends_at", "must be after starts_at")
        values["updated_at"] = movements.now()
        await s.execute(
            update(PointsRule)
            .where(PointsRule.id == rule.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await s.refresh(rule)
        return render_rule(rule)


async def delete_rule(ctx: Runtime, ident: Principal, program_id: str, rule_id: str) -> dict[str, Any]:
    """The rule stops matching at once; its row stays, for the activities that name it."""
    async with ctx.db.unit_of_work() as s:
        rule = await _rule(s, await program_of(s, ident, program_id), rule_id)
        at = movements.now()
        await s.execute(
            update(PointsRule)
            .where(PointsRule.id == rule.id)
            .values(deleted_at=at, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    return RuleDeleted.model_validate({"id": rule_id}).model_dump(mode="json")
