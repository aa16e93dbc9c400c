"""Order lifecycle: validate, debit the wallet, fulfil through suppliers, settle or refund.

    pending -> processing -> fulfilled
       |            \\-> failed -> refunded
       \\-> canceled

Creating an order is one transaction: the order (pending), its debit into `pending` funds, its
fulfilment job and the idempotency key's resource id. Fulfilment runs as that job, inline in the
request for up to `sync_fulfillment_timeout` (the fast path), else in a worker; never inside a
transaction held across a supplier call.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.auth.service import Identity
from rewardkit.catalog import service as catalog
from rewardkit.events import service as events
from rewardkit.jobs import service as jobs
from rewardkit.jobs.models import Job
from rewardkit.jobs.worker import Worker
from rewardkit.kit import sql
from rewardkit.kit.context import AppContext
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.kit.group_commit import Alone, GroupCommit
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import format_major, money, to_minor
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import InsufficientFunds
from rewardkit.ledger.service import Entry, Leg
from rewardkit.orders import repository
from rewardkit.orders.errors import CountryNotServed, OrderNotCancelable, OrderNotFound, ProductUnavailable
from rewardkit.orders.models import Order, OrderTransition
from rewardkit.orders.schemas import OrderCreate, OrderOut
from rewardkit.suppliers.registry import Registry

log = logging.getLogger("rewardkit.orders")
TERMINAL = {"fulfilled", "refunded", "failed", "canceled"}
FULFIL_JOB = "orders.fulfil"
_background: set[asyncio.Task[Any]] = set()  # fast-path runs that outlived their request


@dataclass
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass
class Handoff:
    """What the request that booked an order hands to the fulfilment job it runs at once in the same
    process (the fast path): the order and timeline as committed, its product, and the idempotency
    record to complete in the job's final transaction. Safe to trust: the job is born claimed by this
    process, and only a run holding its lease moves a processing order."""

    order: Order
    timeline: list[OrderTransition]
    product: Any
    idempotency_record: int | None


HANDOFF: dict[str, Handoff] = {}


class _KeyExists(Exception):
    """The fast claim found the Idempotency-Key already used: take the full path (replay, 409, 422)."""


@dataclass
class IdempotencyIntent:
    key: str
    fingerprint: str


def debit_legs(order: Order) -> list[Leg]:
    """wallet (charge currency) -> pending (product currency), through the FX desk if they differ; all
    the org's own accounts (a Leg's holder defaults to the org)."""
    if order.charge_currency == order.currency:
        return [
            Leg("wallet", order.currency, -order.charge_amount),
            Leg("pending", order.currency, order.charge_amount),
        ]
    return [
        Leg("wallet", order.charge_currency, -order.charge_amount),
        Leg("fx", order.charge_currency, order.charge_amount),
        Leg("fx", order.currency, -order.face_amount),
        Leg("pending", order.currency, order.face_amount),
    ]


def _held(order: Order) -> int:
    return order.face_amount


async def _prepare(
    s: AsyncSession, ctx: AppContext, ident: Identity, req: OrderCreate, order_id: str
) -> tuple[Order, Any]:
    product = await catalog.get_product(s, req.product_id)
    if req.country and req.country.upper() not in product.countries:
        raise CountryNotServed(f"{product.id} is sold in {', '.join(product.countries)}.")
    face = catalog.face_value(product, req.currency, Decimal(req.denomination))
    charge_currency, charge, rate, markup = req.currency, face, None, None
    if not await ledger.has_wallet(s, ident.org_id, ident.mode, req.currency):
        default_currency = await auth.default_currency(s, ident.org_id)
        if default_currency != req.currency:
            markup = ctx.settings.fx_markup_bps
            conv = await catalog.convert(s, face, req.currency, default_currency, markup)
            charge_currency, charge, rate = default_currency, conv.charged, conv.rate
    now = utcnow()
    recipient = req.recipient if not isinstance(req.recipient, str) else None
    token = secrets.token_urlsafe(24)
    order = Order(
        id=order_id,
        org_id=ident.org_id,
        mode=ident.mode,
        status="pending",
        product_id=product.id,
        currency=req.currency,
        face_amount=face,
        charge_currency=charge_currency,
        charge_amount=charge,
        fx_rate=rate,
        fx_markup_bps=markup,
        recipient_email=recipient.email if recipient else None,
        recipient_name=recipient.name if recipient else None,
        recipient_phone=recipient.phone if recipient else None,
        external_id=req.external_id,
        metadata_=dict(req.metadata),
        voucher_token_hash=ctx.keyring.hash(token),
        voucher_token=ctx.keyring.encrypt(token),
        created_at=now,
        updated_at=now,
    )
    return order, product


async def create(
    ctx: AppContext,
    registry: Registry,
    runner: Worker | None,
    ident: Identity,
    req: OrderCreate,
    intent: IdempotencyIntent | None,
) -> Outcome:
    """Place an order; answer 200 once it is final, or 202 while it is still being fulfilled.

    With an Idempotency-Key, the key is claimed inside the order's own transaction (one commit);
    only if the key was seen before does the full protocol run (replay, 409 in flight, 422 reused,
    takeover of a crashed attempt)."""
    try:
        if runner is not None and ctx.settings.sync_fulfillment_timeout > 0 and ctx.settings.group_commit:
            try:
                booked = await _booking(ctx, registry, runner).submit(_Booking(ident, req, intent, new_id("ord")))
            except Alone:
                pass
            else:
                runner.wake()  # the order.created deliveries are due now
                HANDOFF[booked.order.id] = Handoff(booked.order, booked.steps, booked.product, booked.record_id)
                return await _answer(ctx, runner, ident, booked.order.id, booked.job, booked.record_id)
        return await _book_and_fulfil(ctx, registry, runner, ident, req, intent=intent, claim=None)
    except _KeyExists:  # only raised with an intent
        assert intent is not None
    found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
    if isinstance(found, Replay):
        return Outcome(found.status, found.body, replayed=True)
    if found.resource_id:  # a previous attempt with this key died after booking its order
        return await _answer(ctx, runner, ident, found.resource_id, None, found.record_id)
    return await _book_and_fulfil(ctx, registry, runner, ident, req, intent=None, claim=found)


async def _book_and_fulfil(
    ctx: AppContext,
    registry: Registry,
    runner: Worker | None,
    ident: Identity,
    req: OrderCreate,
    *,
    intent: IdempotencyIntent | None,
    claim: Claim | None,
) -> Outcome:
    inline = runner is not None and ctx.settings.sync_fulfillment_timeout > 0
    order_id = new_id("ord")
    record_id = claim.record_id if claim else None
    try:
        async with ctx.db.unit_of_work() as s:
            if intent is not None:  # first, so that a reused key is told apart before anything is validated
                record_id = await ctx.idempotency.claim_in(
                    s, ident.org_id, ident.mode, intent.key, intent.fingerprint, order_id
                )
                if record_id is None:
                    raise _KeyExists
            elif claim is not None:
                await ctx.idempotency.attach(s, claim.record_id, order_id)
            order, product = await _prepare(s, ctx, ident, req, order_id)
            chain = registry.route(ident.mode, order.product_id)
            if not chain:
                raise ProductUnavailable(f"No supplier is configured for {order.product_id} in {ident.mode} mode.")
            order.supplier = chain[0].name
            steps = [_step(order.id, None, "pending", "order created", order.created_at)]
            created = render(ctx, order, steps)
            if inline:
                # This process sends it to the supplier right after the commit: book it as processing at
                # once (the job is born claimed, a crash hands it to a worker when the lease runs out).
                order.status = "processing"
                steps.append(_step(order.id, "pending", "processing", f"sent to {order.supplier}", order.created_at))
            await repository.add(s, order)
            await repository.record(s, steps)
            await events.emit(s, ctx.keyring, order.org_id, order.mode, "order.created", created)
            if inline:
                await _emit(ctx, s, order, steps)
            job = await jobs.enqueue(
                s,
                FULFIL_JOB,
                {"order_id": order.id},
                unique_key=f"fulfil:{order.id}",
                claimed_by=runner.name if inline and runner else None,
                lease=runner.lease if inline and runner else None,
            )
            # The debit last: the wallet row stays locked from this UPDATE to the commit, and every order
            # of the org waits for that lock, so nothing else may run in between.
            entry = _debit(order)
            await ledger.post(s, entry)
            await _note_debit(ctx, s, order, entry)
    except Problem:
        if claim is not None:
            await ctx.idempotency.release(claim.record_id)
        raise
    if runner is not None:
        runner.wake()  # the order.created deliveries are due now
    if inline:
        HANDOFF[order.id] = Handoff(order, steps, product, record_id)
    return await _answer(ctx, runner, ident, order.id, job, record_id)


@dataclass
class _Booking:
    ident: Identity
    req: OrderCreate
    intent: IdempotencyIntent | None
    order_id: str


@dataclass
class _Booked:
    order: Order
    steps: list[OrderTransition]
    product: Any
    job: Job
    record_id: int | None


def _booking(ctx: AppContext, registry: Registry, runner: Worker) -> GroupCommit[_Booking, _Booked]:
    """The process's group commit of new orders (kit/group_commit.py), one per registry and runner."""
    key = f"orders.booking:{id(registry)}:{id(runner)}"
    found: GroupCommit[_Booking, _Booked] | None = ctx.caches.get(key)
    if found is None:

        async def write(items: list[_Booking]) -> list[_Booked | BaseException]:
            return await _book_batch(ctx, registry, runner, items)

        found = ctx.caches[key] = GroupCommit(write, max_batch=ctx.settings.group_commit_max)
    return found


# Writes of one batch: each retry follows an org that left it (short of funds); past that, one at a time.
_ATTEMPTS = 4


class _CommitUnknown(Exception):
    """The batch's COMMIT itself failed: it may have committed. Never retried (a retry could book twice);
    each caller gets the error, as a single order would."""


async def _book_batch(
    ctx: AppContext, registry: Registry, runner: Worker, items: list[_Booking]
) -> list[_Booked | BaseException]:
    """Book the orders of a batch in one transaction, as _book_and_fulfil books one on the fast path.
    This decides only the orders that go through and the keys seen before (_KeyExists); anything that
    could fail an order (its product, its country) sends it down the one-at-a-time path, which gives
    it its exact answer and keeps a single order's rules (a reused key is told apart before anything
    is validated). An org whose wallet cannot cover its orders of the batch leaves the batch (its
    orders go one at a time) and the rest is written again, so one org cannot slow down the others."""
    out: list[_Booked | BaseException] = [Alone("decided alone") for _ in items]
    todo = list(range(len(items)))
    for _ in range(_ATTEMPTS):
        try:
            decided = await _book_once(ctx, registry, runner, items, todo)
        except InsufficientFunds as exc:
            if exc.scope is None:
                break
            todo = [i for i in todo if (items[i].ident.org_id, items[i].ident.mode) != exc.scope]
            continue
        except _CommitUnknown as exc:
            cause = exc.__cause__ or exc
            return [cause if i in todo else out[i] for i in range(len(items))]
        except Exception as exc:  # the batch as a whole failed: each order finds its own outcome alone
            log.warning("a batch of %d orders went one at a time: %s", len(todo), type(exc).__name__)
            break
        for i, result in decided.items():
            out[i] = result
        break
    return out


async def _book_once(
    ctx: AppContext, registry: Registry, runner: Worker, items: list[_Booking], todo: list[int]
) -> dict[int, _Booked | BaseException]:
    """One attempt at writing the orders `todo` of a batch: what it decided, by index (the rest: alone)."""
    decided: dict[int, _Booked | BaseException] = {}
    ready: list[tuple[int, Order, Any]] = []
    committing = False
    try:
        async with ctx.db.unit_of_work() as s:
            for i in todo:
                b = items[i]
                try:
                    order, product = await _prepare(s, ctx, b.ident, b.req, b.order_id)
                except Problem:
                    continue
                chain = registry.route(b.ident.mode, order.product_id)
                if not chain:
                    continue
                order.supplier = chain[0].name
                ready.append((i, order, product))
            claims: list[tuple[str, str, str, str, str]] = []
            keyed: list[int] = []
            seen: set[tuple[str, str, str]] = set()
            for i, order, _ in ready:
                intent = items[i].intent
                if intent is None:
                    continue
                scope = (order.org_id, order.mode, intent.key)
                if scope in seen:  # the same key twice in one batch: the second meets the first's claim alone
                    continue
                seen.add(scope)
                claims.append((order.org_id, order.mode, intent.key, intent.fingerprint, order.id))
                keyed.append(i)
            # In key order: two processes' batches claiming the same keys must not wait on each other in
            # opposite orders (a deadlock PostgreSQL would break only after deadlock_timeout).
            by_key = sorted(range(len(claims)), key=lambda n: claims[n][:3])
            claimed = await ctx.idempotency.claim_many(s, [claims[n] for n in by_key])
            records: dict[int, int] = {}
            for n, record_id in zip(by_key, claimed, strict=True):
                if record_id is None:
                    decided[keyed[n]] = _KeyExists()
                else:
                    records[keyed[n]] = record_id
            ready = [(i, o, p) for i, o, p in ready if items[i].intent is None or i in records]
            if not ready:
                committing = True
                return decided
            steps: dict[str, list[OrderTransition]] = {}
            happened: list[tuple[str | None, str, str, dict[str, Any]]] = []
            for _, order, _ in ready:
                first = [_step(order.id, None, "pending", "order created", order.created_at)]
                happened.append((order.org_id, order.mode, "order.created", render(ctx, order, first)))
                order.status = "processing"  # booked as processing, as on the fast path of a single order
                steps[order.id] = [
                    *first,
                    _step(order.id, "pending", "processing", f"sent to {order.supplier}", order.created_at),
                ]
                happened.append((order.org_id, order.mode, "order.processing", render(ctx, order, steps[order.id])))
            orders = [o for _, o, _ in ready]
            made = jobs.new_claimed(
                FULFIL_JOB,
                [f"fulfil:{o.id}" for o in orders],
                [{"order_id": o.id} for o in orders],
                runner.name,
                runner.lease,
            )
            emitted = events.new_events(ctx.keyring, happened)
            written = await sql.write_all(  # one round trip on PostgreSQL (kit/sql.py says why)
                s,
                [
                    repository.order_rows(orders),
                    repository.transition_rows([step for o in orders for step in steps[o.id]]),
                    events.insert_rows(emitted),
                    jobs.insert_rows(made),
                ],
                returning=jobs.KEYED,
            )
            jobs.adopt_ids(made, written)
            await events.fan_out(s, emitted)
            entries = [_debit(o) for o in orders]
            await ledger.post_many(s, entries)  # last: the wallet rows stay locked from here to the commit
            for o, entry in zip(orders, entries, strict=True):
                await _note_debit(ctx, s, o, entry)
            committing = True
    except Exception as exc:
        if committing:
            raise _CommitUnknown(str(exc)) from exc
        raise
    for (i, order, product), job in zip(ready, made, strict=True):
        decided[i] = _Booked(order, steps[order.id], product, job, records.get(i))
    return decided


def _debit(order: Order) -> Entry:
    return _entry(order, "order_debit", "debit", debit_legs(order), f"Order {order.id}")


def _entry(order: Order, kind: str, step: str, legs: list[Leg], description: str) -> Entry:
    """The ledger entry of one step of an order (debit, settle, refund), referenced `<order id>:<step>`."""
    return Entry(
        org_id=order.org_id,
        mode=order.mode,
        kind=kind,
        reference=f"{order.id}:{step}",
        legs=legs,
        description=description,
        source_id=order.id,
    )


async def _note_debit(ctx: AppContext, s: AsyncSession, order: Order, entry: Entry) -> None:
    wallet_after = entry.balances_after[("wallet", order.charge_currency)]
    threshold = to_minor(ctx.settings.balance_low_threshold, order.charge_currency)
    await ledger.note_debit(
        s, ctx.keyring, order.org_id, order.mode, order.charge_currency, wallet_after, order.charge_amount, threshold
    )


async def _answer(
    ctx: AppContext, runner: Worker | None, ident: Identity, order_id: str, job: Job | None, record_id: int | None
) -> Outcome:
    try:
        body = await _fast_path(ctx, runner, ident, order_id, job)
    finally:
        HANDOFF.pop(order_id, None)
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
    ctx: AppContext, runner: Worker | None, ident: Identity, order_id: str, job: Job | None
) -> dict[str, Any] | None:
    """Run the fulfilment job right here (it was born claimed by this process), waiting at most
    sync_fulfillment_timeout for a final state. If the supplier is slower, the run continues in the
    background, and after a crash in a worker once the lease runs out. Returns the final order when
    this run finished it (else the caller reads it)."""
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
            task: asyncio.Task[Any] = asyncio.create_task(run)  # type: ignore[arg-type]
            _background.add(task)
            task.add_done_callback(_background.discard)
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


async def cancel(ctx: AppContext, ident: Identity, order_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work() as s:
        order = await repository.get(s, ident.org_id, ident.mode, order_id)
        if order is None:
            raise OrderNotFound(f"No order {order_id} for this API key.")
        now = utcnow()
        moved = await move(ctx, s, order.id, "pending", "canceled", "canceled by API", {}, now)
        if moved is None:
            raise OrderNotCancelable(
                f"Order {order_id} is {order.status}; only pending orders can be canceled.", order_status=order.status
            )
        await refund_debit(s, moved[0], "refund")
        return moved[1]


async def refund_debit(s: AsyncSession, order: Order, kind: str) -> None:
    """Give the wallet back exactly what the order took: the debit's postings, reversed."""
    reversed_legs = [Leg(leg.kind, leg.asset, -leg.amount, leg.holder) for leg in debit_legs(order)]
    await ledger.post(s, _entry(order, kind, "refund", reversed_legs, f"Refund of order {order.id}"))


async def settle(s: AsyncSession, order: Order) -> None:
    """A fulfilled order's held funds become the cost of fulfilment."""
    await ledger.post(s, settle_entry(order))


def settle_entry(order: Order) -> Entry:
    held = _held(order)
    legs = [Leg("pending", order.currency, -held), Leg("fulfillment", order.currency, held)]
    return _entry(order, "order_settle", "settle", legs, f"Order {order.id}")


async def move(
    ctx: AppContext,
    s: AsyncSession,
    order_id: str,
    frm: str,
    to: str,
    reason: str,
    values: dict[str, Any],
    now: datetime,
    timeline: list[OrderTransition] | None = None,
) -> tuple[Order, dict[str, Any]] | None:
    """One status change: the guarded update, its timeline row and its `order.<status>` event, in the
    caller's transaction. Returns the order and its rendering (the event's object), or None if the
    order was not in `frm` (someone else moved it first). `timeline`: the order's timeline before
    this move, where the caller knows it (the fast path), to spare reading it back."""
    moved = await repository.transition(s, order_id, frm, to, reason, values, now)
    if moved is None:
        return None
    order, step = moved
    steps = [*timeline, step] if timeline is not None else await repository.timeline(s, order.id)
    return order, await _emit(ctx, s, order, steps)


async def _emit(ctx: AppContext, s: AsyncSession, order: Order, timeline: list[OrderTransition]) -> dict[str, Any]:
    body = render(ctx, order, timeline)
    await events.emit(s, ctx.keyring, order.org_id, order.mode, f"order.{order.status}", body)
    return body


def _step(order_id: str, frm: str | None, to: str, reason: str, at: datetime) -> OrderTransition:
    return OrderTransition(order_id=order_id, from_status=frm, to_status=to, reason=reason, created_at=at)


def voucher_url(ctx: AppContext, order: Order) -> str | None:
    if order.voucher_token is None or order.status != "fulfilled":
        return None
    return f"{ctx.settings.public_url.rstrip('/')}/v/{ctx.keyring.decrypt(order.voucher_token)}"


def render(ctx: AppContext, o: Order, timeline: list[OrderTransition]) -> dict[str, Any]:
    url = voucher_url(ctx, o)
    recipient = (
        {"email": o.recipient_email, "name": o.recipient_name, "phone": o.recipient_phone}
        if (o.recipient_email or o.recipient_name or o.recipient_phone)
        else None
    )
    fx = (
        {
            "from_currency": o.currency,
            "to_currency": o.charge_currency,
            "rate": o.fx_rate,
            "markup_bps": o.fx_markup_bps,
        }
        if o.fx_rate
        else None
    )
    voucher = (
        {
            "code": ctx.keyring.decrypt(o.voucher_code) if o.voucher_code else None,
            "pin": ctx.keyring.decrypt(o.voucher_pin) if o.voucher_pin else None,
            "expires_at": _iso(o.voucher_expires_at),
            "url": url,
        }
        if url
        else None
    )
    # A plain dict in OrderOut's shape and field order (OrderOut documents it; rendering through the model
    # was a measurable share of an order's CPU, three times per order). tests/orders/test_render.py holds
    # the two equal.
    return {
        "id": o.id,
        "order_id": o.id,
        "object": "order",
        "livemode": o.mode == "live",
        "status": o.status,
        "product_id": o.product_id,
        "currency": o.currency,
        "denomination": format_major(o.face_amount, o.currency),
        "face_value": money(o.face_amount, o.currency),
        "charged": money(o.charge_amount, o.charge_currency),
        "fx": fx,
        "recipient": recipient,
        "external_id": o.external_id,
        "metadata": dict(o.metadata_ or {}),
        "voucher_url": url,
        "voucher": voucher,
        "failure": {"code": o.failure_code, "message": o.failure_message or ""} if o.failure_code else None,
        "timeline": [
            {"status": t.to_status, "from_status": t.from_status, "reason": t.reason, "at": _iso(t.created_at)}
            for t in timeline
        ],
        "created_at": _iso(o.created_at),
        "updated_at": _iso(o.updated_at),
        "fulfilled_at": _iso(o.fulfilled_at),
    }


def _iso(at: datetime | None) -> str | None:
    """As pydantic writes a datetime in JSON mode: ISO 8601, `Z` for UTC."""
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def render_validated(ctx: AppContext, o: Order, timeline: list[OrderTransition]) -> dict[str, Any]:
    """render(), through the OrderOut model: what render() must equal (tests)."""
    return OrderOut.model_validate(render(ctx, o, timeline)).model_dump(mode="json")


async def get(ctx: AppContext, ident: Identity, order_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.get(s, ident.org_id, ident.mode, order_id)
        if order is None:
            raise OrderNotFound(f"No order {order_id} for this API key.")
        return render(ctx, order, await repository.timeline(s, order.id))


async def list_orders(
    ctx: AppContext,
    ident: Identity,
    *,
    status: str | None,
    product_id: str | None,
    external_id: str | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.search(
            s,
            ident.org_id,
            ident.mode,
            status=status,
            product_id=product_id,
            external_id=external_id,
            created_gte=created_gte,
            created_lte=created_lte,
            before=decode_cursor(cursor),
            limit=limit,
        )
        timelines = await repository.timelines(s, [o.id for o in rows[:limit]])
    return page(rows, limit, key=lambda o: o.id, render=lambda o: render(ctx, o, timelines.get(o.id, [])))


async def by_voucher_token(ctx: AppContext, token: str) -> tuple[Order, Any] | None:
    if not token or len(token) > 64:
        return None
    async with ctx.db.unit_of_work(readonly=True) as s:
        order = await repository.by_token_hashes(s, ctx.keyring.hashes(token))
        if order is None or order.status != "fulfilled":
            return None
        product = await catalog.get_product(s, order.product_id, include_inactive=True)
    return order, product
