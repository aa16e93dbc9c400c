"""Supplier reconciliation: the face routes and the CLI call (docs/reconciliation.md).

An upload is read and matched before any write (a bad statement writes nothing), then the
reconciliation and all its lines are written in one unit of work. A resolution, its ledger adjustment
and its audit row are one unit of work too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem, ValidationFailed
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import is_currency
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import adjustments
from rewardkit.ledger import service as ledger
from rewardkit.orders import reconcile_reads
from rewardkit.reconciliation import repository, statement
from rewardkit.reconciliation.errors import (
    LineAlreadyResolved,
    LineNotResolvable,
    ReconciliationLineNotFound,
    ReconciliationNotFound,
    UnknownMapping,
    UnknownSupplier,
)
from rewardkit.reconciliation.mappings import MAPPINGS, default_for
from rewardkit.reconciliation.matching import Bounds, match
from rewardkit.reconciliation.models import (
    AMOUNT_MISMATCH,
    MATCHED,
    MISSING_HERE,
    MISSING_THERE,
    Reconciliation,
    ReconciliationResolution,
)
from rewardkit.reconciliation.render import render_line, render_reconciliation
from rewardkit.reconciliation.schemas import ResolveCreate
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.orders.state import IdempotencyIntent
    from rewardkit.runtime import Runtime

# Orders are looked for among those created from this long before the period (minus the tolerance):
# an order is created before the supplier fulfils and bills it; one older than that is found by its
# reference all the same (reconcile_reads.by_references), only more slowly.
LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Upload:
    supplier: str
    data: bytes
    mapping: str | None = None
    file_name: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    date_tolerance_days: int | None = None
    amount_tolerance_minor: int = 0


class Outcome:
    def __init__(self, status_code: int, body: dict[str, Any], replayed: bool = False) -> None:
        self.status_code, self.body, self.replayed = status_code, body, replayed


def _field(name: str, message: str, where: str = "query") -> ValidationFailed:
    return ValidationFailed(
        errors=[{"field": name, "in": where, "pointer": f"/{name}" if where == "body" else None, "message": message}]
    )


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


async def _keyed(
    ctx: Runtime,
    ident: Principal,
    intent: IdempotencyIntent | None,
    write: Callable[[AsyncSession], Awaitable[tuple[str, dict[str, Any]]]],
    reread: Callable[[str], Awaitable[dict[str, Any]]],
    prepare: Callable[[], Awaitable[None]] | None = None,
) -> Outcome:
    """One write with an optional Idempotency-Key (kit/idempotency.py): the key is claimed first (a
    replay does no work), then `prepare` runs outside any transaction, then the write records what it
    made and the answer to replay in its own transaction; a failed write frees the key so that a
    corrected retry runs."""
    claim: Claim | None = None
    if intent is not None:
        found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
        if isinstance(found, Replay):
            return Outcome(found.status, found.body, replayed=True)
        claim = found
        if found.resource_id:  # an earlier attempt wrote it and died before storing its answer
            body = await reread(found.resource_id)
            async with ctx.db.unit_of_work() as s:
                await ctx.idempotency.complete(s, found.record_id, 200, body)
            return Outcome(200, body)
    try:
        if prepare is not None:
            await prepare()
        async with ctx.db.unit_of_work() as s:
            resource_id, body = await write(s)
            if claim is not None:
                await ctx.idempotency.attach(s, claim.record_id, resource_id)
                await ctx.idempotency.complete(s, claim.record_id, 200, body)
    except Problem:
        if claim is not None:
            await ctx.idempotency.release(claim.record_id)
        raise
    return Outcome(200, body)


# --- upload ------------------------------------------------------------------------------------


def check_upload(ctx: Runtime, up: Upload) -> str:
    """The mapping's name, once the supplier and mapping are known (before any work)."""
    if ctx.part(Registry).get(up.supplier) is None:
        raise UnknownSupplier(f"No supplier {up.supplier!r} here (the sandbox, or one of the suppliers file).")
    name = up.mapping or default_for(up.supplier)
    if name not in MAPPINGS:
        raise UnknownMapping(f"No statement mapping {name!r}; known: {', '.join(sorted(MAPPINGS))}.")
    if up.period_start and up.period_end and up.period_start > up.period_end:
        raise _field("period_end", "must not be before period_start")
    return name


async def create(ctx: Runtime, ident: Principal, up: Upload, intent: IdempotencyIntent | None) -> Outcome:
    mapping_name = check_upload(ctx, up)
    tolerance = (
        up.date_tolerance_days
        if up.date_tolerance_days is not None
        else ctx.settings.reconciliation_date_tolerance_days
    )
    made: list[tuple[Reconciliation, list[dict[str, Any]]]] = []

    async def prepare() -> None:
        # Read and matched before the write transaction opens (on SQLite that holds the one writer).
        rcn, rows, _ = await _read_and_match(ctx, ident, up, mapping_name, tolerance)
        made.append((rcn, rows))

    async def write(s: AsyncSession) -> tuple[str, dict[str, Any]]:
        [(rcn, rows)] = made
        await repository.add(s, rcn, rows)
        return rcn.id, render_reconciliation(rcn)

    return await _keyed(ctx, ident, intent, write, lambda rid: get(ctx, ident, rid), prepare)


async def _read_and_match(
    ctx: Runtime, ident: Principal, up: Upload, mapping_name: str, tolerance: int
) -> tuple[Reconciliation, list[dict[str, Any]], dict[str, int]]:
    lines = statement.read(up.data, MAPPINGS[mapping_name], None)
    start = up.period_start or min(line.date for line in lines)
    end = up.period_end or max(line.date for line in lines)
    bounds = Bounds(start, end, tolerance, up.amount_tolerance_minor)
    slack = timedelta(days=tolerance)
    async with ctx.db.unit_of_work(readonly=True) as s:
        orders = await reconcile_reads.in_window(
            s,
            ident.org_id,
            ident.mode,
            up.supplier,
            _day_start(start) - slack - LOOKBACK,
            _day_start(end) + timedelta(days=1) + slack,
        )
        known = {o.reference for o in orders}
        unfound = [line.reference for line in lines if line.reference not in known]
        if unfound:
            orders.extend(await reconcile_reads.by_references(s, ident.org_id, ident.mode, up.supplier, unfound))
    rcn_id = new_id("rcn")
    rows, counts = match(rcn_id, lines, orders, bounds)
    currencies = {line.currency for line in lines}
    rcn = Reconciliation(
        id=rcn_id,
        org_id=ident.org_id,
        mode=ident.mode,
        supplier=up.supplier,
        mapping=mapping_name,
        currency=next(iter(currencies)) if len(currencies) == 1 else None,
        period_start=start,
        period_end=end,
        date_tolerance_days=tolerance,
        amount_tolerance_minor=up.amount_tolerance_minor,
        file_name=up.file_name,
        file_sha256=hashlib.sha256(up.data).hexdigest(),
        file_bytes=len(up.data),
        lines_total=len(lines),
        matched=counts[MATCHED],
        missing_here=counts[MISSING_HERE],
        missing_there=counts[MISSING_THERE],
        amount_mismatch=counts[AMOUNT_MISMATCH],
        resolved=0,
        created_at=utcnow(),
    )
    return rcn, rows, dict(counts)


# --- reads -------------------------------------------------------------------------------------


async def _rcn(s: AsyncSession, ident: Principal, rcn_id: str) -> Reconciliation:
    rcn = await repository.get(s, ident.org_id, ident.mode, rcn_id)
    if rcn is None:
        raise ReconciliationNotFound(f"No reconciliation {rcn_id} for this API key.")
    return rcn


async def get(ctx: Runtime, ident: Principal, rcn_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return render_reconciliation(await _rcn(s, ident, rcn_id))


async def list_reconciliations(ctx: Runtime, ident: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    after = decode_cursor(cursor)
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.listing(s, ident.org_id, ident.mode, after, limit)
    return page(rows, limit, key=lambda r: r.id, render=render_reconciliation)


async def list_lines(
    ctx: Runtime, ident: Principal, rcn_id: str, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    async with ctx.db.unit_of_work(readonly=True) as s:
        await _rcn(s, ident, rcn_id)
        rows = await repository.lines(s, rcn_id, status, after, limit)
    return page(rows, limit, key=lambda r: r[0].id, render=lambda r: render_line(r[0], r[1]))


async def get_line(ctx: Runtime, ident: Principal, rcn_id: str, line_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        await _rcn(s, ident, rcn_id)
        found = await repository.line(s, rcn_id, line_id)
    if found is None:
        raise ReconciliationLineNotFound(f"No line {line_id} in reconciliation {rcn_id}.")
    return render_line(*found)


# --- resolutions -------------------------------------------------------------------------------


async def resolve(
    ctx: Runtime, ident: Principal, rcn_id: str, line_id: str, req: ResolveCreate, intent: IdempotencyIntent | None
) -> Outcome:
    if req.currency is not None and not is_currency(req.currency):
        raise _field("currency", "not an ISO 4217 currency", "body")

    async def write(s: AsyncSession) -> tuple[str, dict[str, Any]]:
        await _rcn(s, ident, rcn_id)
        found = await repository.line(s, rcn_id, line_id)
        if found is None:
            raise ReconciliationLineNotFound(f"No line {line_id} in reconciliation {rcn_id}.")
        line, existing = found
        if line.status == MATCHED:
            raise LineNotResolvable(f"Line {line_id} matched: there is nothing to resolve.")
        if existing is not None or line.resolution is not None:
            raise LineAlreadyResolved(f"Line {line_id} was resolved ({line.resolution}) already.")
        tx_id = None
        if req.action == "adjust":
            assert req.amount is not None and req.currency is not None and req.direction is not None
            # The difference is in a currency of the line (theirs or ours): an adjustment in another
            # would open a wallet and a fulfillment balance in a currency neither side ever billed.
            sides = sorted({c for c in (line.their_currency, line.our_currency) if c})
            if req.currency not in sides:
                raise _field("currency", f"this line is in {', '.join(sides)}, not {req.currency}", "body")
            tx_id = await adjustments.book(
                s,
                ident.org_id,
                ident.mode,
                direction=req.direction,
                amount=req.amount,
                currency=req.currency,
                reference=f"{line.id}:adjust",
                source_id=line.id,
                description=f"Reconciliation {rcn_id} line {line.id}: {req.note}",
                known=ctx.part(ledger.AccountIds),
            )
        res = ReconciliationResolution(
            id=new_id("rcr"),
            reconciliation_id=rcn_id,
            line_id=line.id,
            action=req.action,
            direction=req.direction,
            amount=req.amount,
            currency=req.currency,
            note=req.note,
            principal_id=ident.id,
            ledger_transaction_id=tx_id,
            created_at=utcnow(),
        )
        if not await repository.resolve(s, line, res):
            raise LineAlreadyResolved(f"Line {line_id} was resolved already.")
        await repository.count_resolution(s, rcn_id)
        return line.id, render_line(line, res)

    return await _keyed(ctx, ident, intent, write, lambda lid: get_line(ctx, ident, rcn_id, lid))
