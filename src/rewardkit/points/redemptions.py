"""POST /v1/points_programs/{program_id}/members/{member_id}/redemptions: points for an order from the
catalog, in one atomic step (docs/points.md#redemptions).

One transaction holds: the member's debit (movements.debit_in: the member row locked first, lots taken
soonest expiring first; a prefunded program's debit moves the points' cash value out of the backing
account into the wallet), the order's booking and its wallet debit (orders.place_in, as a reward link's
redeem books its order), and `points.redeemed`. Lock order: member row, program row (prefunded), ledger
accounts, as every points movement, so ten redemptions at once against points that cover one queue on
the member row and exactly one finds the points: the others are `insufficient_points`, having written
nothing. Then the order is fulfilled as POST /v1/orders does (inline for up to sync_fulfillment_timeout).

If the order fails or is canceled, its funds go back to the wallet in the order's own transaction, and
the points come back as a reversal of the debit (a new `reversal` transaction, once: reverse_in marks the
debit reversed with a guarded UPDATE). Two paths lead there and either may come first: the request
itself when the order failed while it waited (the answer then shows `returned`), and the
`points.redemption_return` job, queued by `on_order_events` (a Module subscriber) in the transaction that
refunded or canceled the order, for orders that fail later in a worker.

Rounding: none. points = denomination x points_per_unit must be a whole number, else 422
points_not_whole (no rounding in anyone's favour, so the points spent and the cash paid always agree).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.catalog import service as catalog
from rewardkit.jobs import service as jobs
from rewardkit.jobs.worker import Worker
from rewardkit.kit.errors import Problem
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import MoneyError, exponent, to_minor
from rewardkit.orders import service as orders
from rewardkit.orders.schemas import OrderCreate
from rewardkit.points import corrections, movements, repository, service
from rewardkit.points.errors import (
    NotReversible,
    PointsNotWhole,
    PointsTransactionNotFound,
    RedemptionCurrencyMismatch,
)
from rewardkit.points.models import PointsMember, PointsProgram, PointsTransaction
from rewardkit.points.render import render_tx
from rewardkit.points.schemas import RedemptionCreate
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.events.models import Event
    from rewardkit.orders.state import IdempotencyIntent
    from rewardkit.runtime import Runtime

POINTS_REDEEMED = "points.redeemed"
RETURN_JOB = "points.redemption_return"
# The order's metadata keys that name its redemption (the subscriber reads them back on a refund).
META_PROGRAM, META_MEMBER, META_TX = "points_program", "points_member", "points_transaction"
# Order events after which the order's money is back in the wallet: its points come back too.
RETURNING = frozenset({"order.refunded", "order.canceled"})
GIVEN_BACK = ("refunded", "canceled")


def check_currency(program: PointsProgram, currency: str) -> None:
    if currency != program.currency:
        raise RedemptionCurrencyMismatch(
            f"Program {program.id}'s points are worth {program.currency}: redeem a {program.currency} "
            f"denomination, not {currency}."
        )


def points_for(program: PointsProgram, denomination: Decimal, currency: str) -> int:
    """denomination (major units) x points_per_unit, exactly; PointsNotWhole if it is not whole."""
    check_currency(program, currency)
    try:
        minor = to_minor(denomination, currency)
    except MoneyError as exc:
        raise service._field("denomination", str(exc)) from exc
    scale = 10 ** exponent(currency)
    points, rest = divmod(minor * program.points_per_unit, scale)
    if rest:
        raise PointsNotWhole(
            f"{denomination} {currency} at {program.points_per_unit} points per unit is "
            f"{Decimal(minor * program.points_per_unit) / scale} points: redemptions never round. Pick a "
            "denomination worth a whole number of points.",
        )
    return points


def _order_request(
    ctx: Runtime, program: PointsProgram, member: PointsMember, req: RedemptionCreate, ptx_id: str
) -> OrderCreate:
    """The order as POST /v1/orders would take it; the member's own email, name and country unless the
    redemption names others, and the redemption's names in its metadata."""
    body: dict[str, Any] = {
        "product_id": req.product_id,
        "denomination": req.denomination,
        "currency": req.currency,
        "metadata": {**req.metadata, META_PROGRAM: program.id, META_MEMBER: member.member_id, META_TX: ptx_id},
    }
    country = req.country or member.country
    if country is not None:
        body["country"] = country
    if req.recipient is not None:
        body["recipient"] = req.recipient.model_dump()
    elif member.email:
        body["recipient"] = {"email": ctx.keyring.decrypt(member.email), "name": member.name}
    try:
        return OrderCreate.model_validate(body)
    except ValidationError as exc:  # the redemption's own fields passed the same rules: only a defensive net
        raise service._field("metadata", f"the order would not take this: {exc.errors()[0]['msg']}") from None


def render_redemption(
    program: PointsProgram, debit: PointsTransaction, order: dict[str, Any], returned: PointsTransaction | None
) -> dict[str, Any]:
    return {
        "object": "points_redemption",
        "livemode": program.mode == "live",
        "program_id": program.id,
        "member_id": debit.member_id,
        "points": debit.points,
        "transaction": render_tx(debit, program.currency),
        "order": order,
        "returned": render_tx(returned, program.currency) if returned is not None else None,
    }


async def redeem(
    ctx: Runtime,
    registry: Registry,
    runner: Worker | None,
    ident: Principal,
    program_id: str,
    member_id: str,
    req: RedemptionCreate,
    intent: IdempotencyIntent | None,
) -> service.Outcome:
    """The redemption; 200 once the order is final, 202 while it is still being fulfilled (as POST
    /v1/orders). With an Idempotency-Key: claimed inside the redemption's transaction, the full protocol
    when the key was seen before (replay, 409 in flight, 422 reused, takeover of a crashed attempt)."""
    try:
        return await _once(ctx, registry, runner, ident, program_id, member_id, req, intent, None)
    except service.KeyExists:
        assert intent is not None
    found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
    if isinstance(found, Replay):
        return service.Outcome(found.status, found.body, replayed=True)
    if found.resource_id:  # a previous attempt booked its order and died before storing its answer
        body = await current(ctx, ident, program_id, found.resource_id)
        status = 202 if body["order"]["status"] in ("pending", "processing") else 200
        async with ctx.db.unit_of_work() as s:
            await ctx.idempotency.complete(s, found.record_id, status, body)
        return service.Outcome(status, body)
    return await _once(ctx, registry, runner, ident, program_id, member_id, req, None, found)


async def _once(
    ctx: Runtime,
    registry: Registry,
    runner: Worker | None,
    ident: Principal,
    program_id: str,
    member_id: str,
    req: RedemptionCreate,
    intent: IdempotencyIntent | None,
    claim: Claim | None,
) -> service.Outcome:
    order_id, ptx_id = new_id("ord"), new_id("ptx")
    record_id = claim.record_id if claim else None
    try:
        async with ctx.db.unit_of_work() as s:
            program = await service._program(s, ident, program_id)
            member = await service._member(s, program, member_id)
            if intent is not None:  # first, so that a reused key is told apart before anything is written
                record_id = await ctx.idempotency.claim_in(
                    s, ident.org_id, ident.mode, intent.key, intent.fingerprint, order_id
                )
                if record_id is None:
                    raise service.KeyExists
            elif claim is not None:
                await ctx.idempotency.attach(s, claim.record_id, order_id)
            # The product and its denomination first: a wrong amount is invalid_denomination whatever
            # the member holds (orders.place_in checks them again, from the same cache).
            check_currency(program, req.currency)
            try:  # the amount's own form first (as POST /v1/orders): a 422 validation_error
                to_minor(Decimal(str(req.denomination)), req.currency)
            except MoneyError as exc:
                raise service._field("denomination", str(exc)) from exc
            product = await catalog.get_product(s, ctx.part(catalog.ProductCache), req.product_id)
            catalog.face_value(product, req.currency, Decimal(str(req.denomination)))
            points = points_for(program, Decimal(str(req.denomination)), req.currency)
            order_req = _order_request(ctx, program, member, req, ptx_id)
            reason = f"Redemption: {req.product_id} {req.denomination} {req.currency}"
            debit = await movements.debit_in(
                ctx, s, program, member, points, reason[:300], f"redemption:{order_id}", ptx_id=ptx_id
            )
            booked = await orders.place_in(ctx, s, registry, runner, ident, order_req, [], order_id=order_id)
            data = {
                "object": "points_redemption",
                "program_id": program.id,
                "member_id": member.member_id,
                "points": points,
                "transaction_id": ptx_id,
                "order_id": order_id,
                "product_id": req.product_id,
                "denomination": str(req.denomination),
                "currency": req.currency,
            }
            await ctx.events.emit(s, program.org_id, program.mode, POINTS_REDEEMED, data, resource_id=member.id)
    except Problem:
        if claim is not None:
            await ctx.idempotency.release(claim.record_id)
        raise
    outcome = await orders.finish_placed(ctx, runner, ident, booked)
    returned = None
    if outcome.body.get("status") in GIVEN_BACK:  # failed while we waited: the points back at once
        returned = await give_back(ctx, ident.org_id, ident.mode, ptx_id)
    body = render_redemption(program, debit.tx, outcome.body, returned)
    if returned is None and outcome.body.get("status") in GIVEN_BACK:
        body = await current(ctx, ident, program_id, order_id, order=outcome.body)
    if record_id is not None:
        async with ctx.db.unit_of_work() as s:
            await ctx.idempotency.complete(s, record_id, outcome.status_code, body)
    return service.Outcome(outcome.status_code, body)


async def current(
    ctx: Runtime, ident: Principal, program_id: str, order_id: str, order: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A redemption as it stands now, from its order id: its debit, the order, the points returned."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        program = await service._program(s, ident, program_id)
        debit = await repository.by_reference(s, program.id, f"redemption:{order_id}")
        if debit is None:
            raise PointsTransactionNotFound(f"No redemption for order {order_id} in program {program_id}.")
        returned = None
        if debit.reversed_by:
            returned = await repository.transaction(s, program.org_id, program.mode, debit.reversed_by)
    return render_redemption(program, debit, order or await orders.get(ctx, ident, order_id), returned)


async def give_back(ctx: Runtime, org_id: str, mode: str, ptx_id: str) -> PointsTransaction | None:
    """The redemption's points back (a reversal of its debit), once; None if they already came back
    (the job and the request race for it: one reverses, the other finds it done)."""
    async with ctx.db.unit_of_work() as s:
        debit = await repository.transaction(s, org_id, mode, ptx_id)
        if debit is None or debit.reversed_by is not None:
            return None
        program = await repository.program_by_id(s, debit.program_id)
        member = await repository.member_by_pk(s, debit.member_pk)
        assert program is not None and member is not None
        try:
            done = await corrections.reverse_in(ctx, s, program, member, debit, order_returned=True)
        except NotReversible:
            return None
        return done.tx if done is not None else None  # None: its points had expired meanwhile


async def return_job(ctx: Runtime, payload: dict[str, Any], attempt: int) -> str:
    """points.redemption_return: the points of a redemption whose order was refunded or canceled."""
    done = await give_back(ctx, payload["org_id"], payload["mode"], payload["ptx_id"])
    return f"returned {done.points}" if done else "already returned"


async def on_order_events(s: AsyncSession, made: list[Event]) -> None:
    """Module subscriber (every write's events, in its transaction): an order refunded or canceled that
    a redemption paid for gets its points back through the return job, queued in the same transaction
    as the refund. Other events cost a set lookup; other orders' refunds one indexed read. The debit
    must name the order (its reference): metadata copied onto another order of the org returns nothing."""
    for event in made:
        if event.type not in RETURNING or event.resource_id is None or event.org_id is None:
            continue
        meta = await repository.order_metadata(s, event.resource_id) or {}
        ptx_id = meta.get(META_TX)
        if not ptx_id or META_PROGRAM not in meta:
            continue
        debit = await repository.transaction(s, event.org_id, event.mode, ptx_id)
        if debit is None or debit.type != "debit" or debit.reference != f"redemption:{event.resource_id}":
            continue
        payload = {"org_id": event.org_id, "mode": event.mode, "ptx_id": ptx_id}
        await jobs.enqueue(s, RETURN_JOB, payload, unique_key=f"points_return:{ptx_id}")
