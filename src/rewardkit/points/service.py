"""Reward points: the face routes, jobs and the CLI call. Programs and members here; every movement of
points is in movements.py (credit_in, debit_in: run inside a caller's transaction, for the batch,
redemptions and earning rules to come) and corrections.py (reversals, release, expiry). One unit of work per call."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.jobs import service as jobs
from rewardkit.kit.errors import Problem, ValidationFailed
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import is_currency
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import service as ledger
from rewardkit.points import corrections, members, movements, repository, tiers
from rewardkit.points.errors import (
    NotPending,
    PointsMemberNotFound,
    PointsProgramNotFound,
    PointsTransactionNotFound,
    ProgramLocked,
)
from rewardkit.points.models import POINTS_EXPIRING, PointsMember, PointsProgram
from rewardkit.points.movements import Result, credit_in, debit_in
from rewardkit.points.render import render_member, render_program, render_tx
from rewardkit.points.schemas import CreditCreate, DebitCreate, MemberPut, ProgramCreate, ProgramUpdate

if TYPE_CHECKING:
    from rewardkit.orders.state import IdempotencyIntent
    from rewardkit.runtime import Runtime

__all__ = ["credit_in", "debit_in"]

MAX_EXPIRY = timedelta(days=3660)  # an explicit expires_at at most ten years away


class KeyExists(Exception):
    """The fast claim found the Idempotency-Key already used: take the full path (replay, 409, 422)."""


class Outcome:
    def __init__(self, status_code: int, body: dict[str, Any], replayed: bool = False) -> None:
        self.status_code, self.body, self.replayed = status_code, body, replayed


def asset_of(program_id: str) -> str:
    """The program's ledger asset: PTS_ and the id's last 20 characters (random), 24 in all."""
    return "PTS_" + program_id.split("_", 1)[1][-20:].upper()


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors=[{"field": name, "in": "body", "pointer": f"/{name}", "message": message}])


# --- programs ----------------------------------------------------------------------------------


@functools.cache
def shortest_expiry_days(months: int, round_to: str | None) -> int:
    """The fewest whole days from a credit to its expiry under the rule, over every start day of a leap
    cycle (a month after Jan 31 is Feb 28: 28 days)."""
    rule = PointsProgram(expiry_months=months, expiry_round_to=round_to)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    gaps = []
    for day in range(1461):
        at = start + timedelta(days=day)
        until = movements.lot_expiry(rule, at)
        assert until is not None
        gaps.append((until - at).days)
    return min(gaps)


def _check_pending(pending_days: int, months: int | None, round_to: str | None) -> None:
    """A credit must be released before it can expire: pending_days shorter than the shortest expiry."""
    if months is None or not pending_days:
        return
    shortest = shortest_expiry_days(months, round_to)
    if pending_days >= shortest:
        message = (
            f"pending_days ({pending_days}) must be shorter than the expiry ({months} month(s): {shortest} days "
            "at the shortest), else credits would expire before they are released"
        )
        raise ValidationFailed(
            errors=[
                {"field": name, "in": "body", "pointer": f"/{name}", "message": message}
                for name in ("pending_days", "expiry")
            ]
        )


async def _program(s: AsyncSession, ident: Principal, program_id: str) -> PointsProgram:
    program = await repository.program(s, ident.org_id, ident.mode, program_id)
    if program is None:
        raise PointsProgramNotFound(f"No points program {program_id} for this API key.")
    return program


async def _member(s: AsyncSession, program: PointsProgram, member_id: str) -> PointsMember:
    member = await repository.member(s, program.id, member_id)
    if member is None:
        raise PointsMemberNotFound(f"No member {member_id!r} in points program {program.id}.")
    return member


async def create_program(ctx: Runtime, ident: Principal, req: ProgramCreate) -> dict[str, Any]:
    if not is_currency(req.currency):
        raise _field("currency", "not an ISO 4217 currency")
    _check_pending(
        req.pending_days, req.expiry.months if req.expiry else None, req.expiry.round_to if req.expiry else None
    )
    now = movements.now()
    program_id = new_id("ppg")
    program = PointsProgram(
        id=program_id,
        org_id=ident.org_id,
        mode=ident.mode,
        name=req.name,
        currency=req.currency,
        points_per_unit=req.points_per_unit,
        expiry_months=req.expiry.months if req.expiry else None,
        expiry_round_to=req.expiry.round_to if req.expiry else None,
        pending_days=req.pending_days,
        funding=req.funding,
        allow_negative=req.allow_negative,
        expiring_notice_days=req.expiring_notice_days,
        asset=asset_of(program_id),
        outstanding=0,
        used=False,
        created_at=now,
        updated_at=now,
    )
    async with ctx.db.unit_of_work() as s:
        await ledger.define_asset(s, ident.org_id, program.asset, 0)
        await repository.add(s, program)
        return render_program(program)


async def get_program(ctx: Runtime, ident: Principal, program_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return render_program(await _program(s, ident, program_id))


async def list_programs(ctx: Runtime, ident: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.programs(s, ident.org_id, ident.mode, decode_cursor(cursor), limit)
    return page(rows, limit, key=lambda r: r.id, render=render_program)


# Fixed from the first credit: the asset's meaning (currency, rate) and where the cash is (funding).
LOCKED = ("currency", "points_per_unit", "funding")


async def update_program(ctx: Runtime, ident: Principal, program_id: str, req: ProgramUpdate) -> dict[str, Any]:
    given = req.model_dump(exclude_unset=True)
    if "currency" in given and (given["currency"] is None or not is_currency(given["currency"])):
        raise _field("currency", "not an ISO 4217 currency")
    for name in ("name", "points_per_unit", "pending_days", "funding", "allow_negative"):
        if name in given and given[name] is None:
            raise _field(name, "may not be null")
    values: dict[str, Any] = {k: v for k, v in given.items() if k not in ("expiry",)}
    if "expiry" in given:
        expiry = given["expiry"]
        values["expiry_months"] = expiry["months"] if expiry else None
        values["expiry_round_to"] = expiry.get("round_to") if expiry else None
    async with ctx.db.unit_of_work() as s:
        program = await _program(s, ident, program_id)
        merged = {k: values.get(k, getattr(program, k)) for k in ("pending_days", "expiry_months", "expiry_round_to")}
        _check_pending(merged["pending_days"], merged["expiry_months"], merged["expiry_round_to"])
        locked = [k for k in LOCKED if k in values and values[k] != getattr(program, k)]
        values["updated_at"] = movements.now()
        if not await repository.update_program(s, program.id, values, unused_only=bool(locked)):
            raise ProgramLocked(
                f"{', '.join(locked)} cannot change once the program has credited points.", fields=locked
            )
        fresh = await _program(s, ident, program_id)
        return render_program(fresh)


# --- members -----------------------------------------------------------------------------------


async def put_member(
    ctx: Runtime, ident: Principal, program_id: str, member_id: str, req: MemberPut
) -> tuple[dict[str, Any], bool]:
    """Create or update the member; (body, created)."""
    now = movements.now()
    email = ctx.keyring.encrypt(req.email) if req.email else None
    async with ctx.db.unit_of_work() as s:
        program = await _program(s, ident, program_id)
        member = await repository.member(s, program.id, member_id)
        created = member is None
        if member is None:
            member = members.new_member(program, member_id, email, req.name, req.country, dict(req.metadata), now)
            await repository.add(s, member)
        else:
            values = {"email": email, "name": req.name, "country": req.country, "metadata_": dict(req.metadata)}
            await repository.update_member(s, member.id, {**values, "updated_at": now})
            member = await repository.member_by_pk(s, member.id)
            assert member is not None
        return render_member(
            ctx, member, await repository.expiring_lots(s, member.id), await tiers.member_tier(s, member)
        ), created


async def get_member(ctx: Runtime, ident: Principal, program_id: str, member_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        member = await _member(s, await _program(s, ident, program_id), member_id)
        return render_member(
            ctx, member, await repository.expiring_lots(s, member.id), await tiers.member_tier(s, member)
        )


async def list_members(
    ctx: Runtime, ident: Principal, program_id: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        program = await _program(s, ident, program_id)
        rows = await repository.members(s, program.id, decode_cursor(cursor), limit)
        shown = {
            m.id: render_member(ctx, m, await repository.expiring_lots(s, m.id), await tiers.member_tier(s, m))
            for m in rows[:limit]
        }
    # The cursor is the internal pmb_ id (an opaque key); each item shows the customer's member id.
    return page(rows, limit, key=lambda r: r.id, render=lambda r: shown[r.id])


async def list_transactions(
    ctx: Runtime, ident: Principal, program_id: str, member_id: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        program = await _program(s, ident, program_id)
        member = await _member(s, program, member_id)
        rows = await repository.transactions(s, member.id, decode_cursor(cursor), limit)
    return page(rows, limit, key=lambda r: r.id, render=lambda r: render_tx(r, program.currency))


# --- credits and debits (with Idempotency-Key, as orders and links) --------------------------------


def _check_expiry(program: PointsProgram, wanted: datetime | None) -> None:
    if wanted is None:
        return
    now = movements.now()
    available_at = now + timedelta(days=program.pending_days)
    if wanted <= available_at:
        what = "the credit becomes available" if program.pending_days else "now"
        raise _field("expires_at", f"must be after {what}")
    if wanted.astimezone(UTC) - now > MAX_EXPIRY:
        raise _field("expires_at", "must be within ten years")


async def credit(
    ctx: Runtime,
    ident: Principal,
    program_id: str,
    member_id: str,
    req: CreditCreate,
    intent: IdempotencyIntent | None,
) -> Outcome:
    async def go(s: AsyncSession, program: PointsProgram, member: PointsMember, ptx_id: str) -> Result:
        _check_expiry(program, req.expires_at)
        expires_at = req.expires_at.astimezone(UTC) if req.expires_at else None
        return await credit_in(
            ctx, s, program, member, req.points, req.reason, req.reference, expires_at, ptx_id=ptx_id
        )

    return await _keyed(ctx, ident, program_id, member_id, intent, go)


async def debit(
    ctx: Runtime,
    ident: Principal,
    program_id: str,
    member_id: str,
    req: DebitCreate,
    intent: IdempotencyIntent | None,
) -> Outcome:
    async def go(s: AsyncSession, program: PointsProgram, member: PointsMember, ptx_id: str) -> Result:
        return await debit_in(ctx, s, program, member, req.points, req.reason, req.reference, ptx_id=ptx_id)

    return await _keyed(ctx, ident, program_id, member_id, intent, go)


async def _keyed(
    ctx: Runtime, ident: Principal, program_id: str, member_id: str, intent: IdempotencyIntent | None, go: Any
) -> Outcome:
    """One write with an optional Idempotency-Key (claimed inside the write's transaction; a key seen
    before takes the full protocol of kit/idempotency.py), retried once when a concurrent write took the
    same reference first (its unique index): the retry finds it and replays it or is 409."""
    for attempt in (1, 2):
        try:
            return await _keyed_once(ctx, ident, program_id, member_id, intent, go)
        except IntegrityError as exc:
            if attempt == 2 or "reference" not in str(exc.orig):
                raise
    raise AssertionError("unreachable")


async def _keyed_once(
    ctx: Runtime, ident: Principal, program_id: str, member_id: str, intent: IdempotencyIntent | None, go: Any
) -> Outcome:
    try:
        return await _write(ctx, ident, program_id, member_id, intent, None, go)
    except KeyExists:
        assert intent is not None
    found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
    if isinstance(found, Replay):
        return Outcome(found.status, found.body, replayed=True)
    if found.resource_id:  # a previous attempt wrote it and died before storing its answer
        body = await get_transaction(ctx, ident, found.resource_id)
        async with ctx.db.unit_of_work() as s:
            await ctx.idempotency.complete(s, found.record_id, 200, body)
        return Outcome(200, body)
    return await _write(ctx, ident, program_id, member_id, None, found, go)


async def _write(
    ctx: Runtime,
    ident: Principal,
    program_id: str,
    member_id: str,
    intent: IdempotencyIntent | None,
    claim: Claim | None,
    go: Any,
) -> Outcome:
    record_id = claim.record_id if claim else None
    ptx_id = new_id("ptx")
    try:
        async with ctx.db.unit_of_work() as s:
            program = await _program(s, ident, program_id)
            member = await _member(s, program, member_id)
            if intent is not None:  # first, so that a reused key is told apart before anything is written
                record_id = await ctx.idempotency.claim_in(
                    s, ident.org_id, ident.mode, intent.key, intent.fingerprint, ptx_id
                )
                if record_id is None:
                    raise KeyExists
            elif claim is not None:
                await ctx.idempotency.attach(s, claim.record_id, ptx_id)
            result: Result = await go(s, program, member, ptx_id)
            if record_id is not None:
                await ctx.idempotency.complete(s, record_id, 200, result.body)
    except Problem:
        if claim is not None:
            await ctx.idempotency.release(claim.record_id)
        raise
    return Outcome(200, result.body, replayed=result.replayed)


# --- transactions ------------------------------------------------------------------------------


async def _tx_scope(s: AsyncSession, ident: Principal, ptx_id: str) -> tuple[Any, PointsProgram, PointsMember]:
    tx = await repository.transaction(s, ident.org_id, ident.mode, ptx_id)
    if tx is None:
        raise PointsTransactionNotFound(f"No points transaction {ptx_id} for this API key.")
    program = await repository.program_by_id(s, tx.program_id)
    member = await repository.member_by_pk(s, tx.member_pk)
    assert program is not None and member is not None
    return tx, program, member


async def get_transaction(ctx: Runtime, ident: Principal, ptx_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        tx, program, _ = await _tx_scope(s, ident, ptx_id)
        return render_tx(tx, program.currency)


async def reverse(ctx: Runtime, ident: Principal, ptx_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work() as s:
        tx, program, member = await _tx_scope(s, ident, ptx_id)
        done = await corrections.reverse_in(ctx, s, program, member, tx)
        assert done is not None  # only an order's return may find nothing to give back
        return done.body


async def release(ctx: Runtime, ident: Principal, ptx_id: str) -> dict[str, Any]:
    """Release a pending credit now, before its pending_days are over."""
    async with ctx.db.unit_of_work() as s:
        tx, program, member = await _tx_scope(s, ident, ptx_id)
        if tx.type != "credit" or tx.status != "pending":
            raise NotPending(f"{ptx_id} is not a pending credit.")
        released = await corrections.release_in(ctx, s, program, member, tx.lots[0]["lot_id"])
        if released is None:
            raise NotPending(f"{ptx_id} is not a pending credit any more.")
        # The member's balances now, after the release (the stored credit keeps those of its credit).
        fresh = await repository.member_by_pk(s, member.id)
        assert fresh is not None
        body = render_tx(released, program.currency)
        body.update(balance_after=fresh.available, pending_after=fresh.pending)
        return body


# --- jobs --------------------------------------------------------------------------------------


async def _lot_scope(s: AsyncSession, lot_id: str) -> tuple[Any, PointsProgram, PointsMember] | None:
    lot = await repository.lot(s, lot_id)
    if lot is None:
        return None
    program = await repository.program_by_id(s, lot.program_id)
    member = await repository.member_by_pk(s, lot.member_pk)
    assert program is not None and member is not None
    return lot, program, member


async def expire_job(ctx: Runtime, lot_id: str) -> str:
    async with ctx.db.unit_of_work() as s:
        scope = await _lot_scope(s, lot_id)
        if scope is None or scope[0].status not in ("pending", "available"):
            return "nothing to expire"
        lot, program, member = scope
        now = movements.now()
        if lot.expires_at is not None and lot.expires_at > now:
            raise jobs.Defer("not due yet", (lot.expires_at - now).total_seconds())
        done = await corrections.expire_in(ctx, s, program, member, lot_id)
    return f"expired {done.tx.points}" if done else "nothing to expire"


async def release_job(ctx: Runtime, lot_id: str) -> str:
    async with ctx.db.unit_of_work() as s:
        scope = await _lot_scope(s, lot_id)
        if scope is None or scope[0].status != "pending":
            return "nothing to release"
        lot, program, member = scope
        now = movements.now()
        if lot.available_at > now:
            raise jobs.Defer("not due yet", (lot.available_at - now).total_seconds())
        done = await corrections.release_in(ctx, s, program, member, lot_id)
    return "released" if done else "nothing to release"


async def notice_job(ctx: Runtime, lot_id: str) -> str:
    """points.expiring, N days (the program's expiring_notice_days) before the lot expires, if it still
    holds points then."""
    async with ctx.db.unit_of_work() as s:
        scope = await _lot_scope(s, lot_id)
        if scope is None or scope[0].status not in ("pending", "available") or scope[0].remaining == 0:
            return "nothing expiring"
        lot, program, member = scope
        data = {
            "object": "points_expiring",
            "program_id": program.id,
            "member_id": member.member_id,
            "lot_id": lot.id,
            "points": lot.remaining,
            "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
        }
        await ctx.events.emit(s, program.org_id, program.mode, POINTS_EXPIRING, data, resource_id=member.id)
    return "notified"


# --- the CLI's reads and support credit --------------------------------------------------------


async def cli_programs(ctx: Runtime, org_id: str | None, limit: int) -> list[dict[str, Any]]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return [render_program(p) for p in await repository.programs_of(s, org_id, limit)]


async def cli_member(ctx: Runtime, program_id: str, member_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        program = await repository.program_by_id(s, program_id)
        if program is None:
            raise PointsProgramNotFound(f"No points program {program_id}.")
        member = await _member(s, program, member_id)
        return render_member(
            ctx, member, await repository.expiring_lots(s, member.id), await tiers.member_tier(s, member)
        )


async def cli_credit(
    ctx: Runtime, program_id: str, member_id: str, points: int, reason: str | None, reference: str
) -> Result:
    async with ctx.db.unit_of_work() as s:
        program = await repository.program_by_id(s, program_id)
        if program is None:
            raise PointsProgramNotFound(f"No points program {program_id}.")
        member = await _member(s, program, member_id)
        return await credit_in(ctx, s, program, member, points, reason, reference)

