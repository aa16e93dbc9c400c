"""Group commit of new orders (kit/group_commit.py, docs/orders.md "Group commit"): orders that
arrive while a batch is being written are booked together in the next transaction, with multi-row
statements. A batch decides only the orders that go through and the keys seen before; anything that
could fail takes the one-at-a-time path (orders/booking.py), which stays the reference."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rewardkit.events.service import NewEvent, insert_rows
from rewardkit.jobs import service as jobs
from rewardkit.jobs.worker import Worker
from rewardkit.kit import sql
from rewardkit.kit.errors import Problem
from rewardkit.kit.group_commit import Alone
from rewardkit.kit.idempotency import NewClaim
from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import InsufficientFunds
from rewardkit.orders import entries, repository
from rewardkit.orders.booking import KeyExists
from rewardkit.orders.models import EVENT_OF_STATUS, FULFIL_JOB, ORDER_CREATED, Order, OrderTransition
from rewardkit.orders.pricing import prepare
from rewardkit.orders.render import render
from rewardkit.orders.state import Booked, Booking, BookingWriter, OrdersState
from rewardkit.orders.transitions import step
from rewardkit.suppliers.registry import Registry

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

log = logging.getLogger("rewardkit.orders")
ORDER_PROCESSING = EVENT_OF_STATUS["processing"]


def writer(ctx: Runtime, registry: Registry, runner: Worker) -> BookingWriter:
    """The process's group commit of new orders, one per registry and runner."""

    async def write(items: list[Booking]) -> list[Booked | BaseException]:
        return await _book_batch(ctx, registry, runner, items)

    return ctx.part(OrdersState).booking((id(registry), id(runner)), write)


# Writes of one batch: each retry follows an org that left it (short of funds); past that, one at a time.
_ATTEMPTS = 4


class _CommitUnknown(Exception):
    """The batch's COMMIT itself failed: it may have committed. Never retried (a retry could book twice);
    each caller gets the error, as a single order would."""


async def _book_batch(
    ctx: Runtime, registry: Registry, runner: Worker, items: list[Booking]
) -> list[Booked | BaseException]:
    """Book the orders of a batch in one transaction, as _book_and_fulfil books one on the fast path.
    This decides only the orders that go through and the keys seen before (KeyExists); anything that
    could fail an order (its product, its country) sends it down the one-at-a-time path, which gives
    it its exact answer and keeps a single order's rules (a reused key is told apart before anything
    is validated). An org whose wallet cannot cover its orders of the batch leaves the batch (its
    orders go one at a time) and the rest is written again, so one org cannot slow down the others."""
    out: list[Booked | BaseException] = [Alone("decided alone") for _ in items]
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
    ctx: Runtime, registry: Registry, runner: Worker, items: list[Booking], todo: list[int]
) -> dict[int, Booked | BaseException]:
    """One attempt at writing the orders `todo` of a batch: what it decided, by index (the rest: alone)."""
    decided: dict[int, Booked | BaseException] = {}
    ready: list[tuple[int, Order, Any]] = []
    committing = False
    try:
        async with ctx.db.unit_of_work() as s:
            for i in todo:
                b = items[i]
                try:
                    order, product = await prepare(s, ctx, b.ident, b.req, b.order_id)
                except Problem:
                    continue
                chain = registry.route(b.ident.mode, order.product_id)
                if not chain:
                    continue
                order.supplier = chain[0].name
                ready.append((i, order, product))
            claims: list[NewClaim] = []
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
                claims.append(NewClaim(order.org_id, order.mode, intent.key, intent.fingerprint, order.id))
                keyed.append(i)
            # In key order: two processes' batches claiming the same keys must not wait on each other in
            # opposite orders (a deadlock PostgreSQL would break only after deadlock_timeout).
            by_key = sorted(range(len(claims)), key=lambda n: claims[n][:3])
            claimed = await ctx.idempotency.claim_many(s, [claims[n] for n in by_key])
            records: dict[int, int] = {}
            for n, record_id in zip(by_key, claimed, strict=True):
                if record_id is None:
                    decided[keyed[n]] = KeyExists()
                else:
                    records[keyed[n]] = record_id
            ready = [(i, o, p) for i, o, p in ready if items[i].intent is None or i in records]
            if not ready:
                committing = True
                return decided
            steps: dict[str, list[OrderTransition]] = {}
            happened: list[NewEvent] = []
            for _, order, _ in ready:
                first = [step(order.id, None, "pending", "order created", order.created_at)]
                happened.append(NewEvent(order.org_id, order.mode, ORDER_CREATED, render(ctx, order, first)))
                order.status = "processing"  # booked as processing, as on the fast path of a single order
                steps[order.id] = [
                    *first,
                    step(order.id, "pending", "processing", f"sent to {order.supplier}", order.created_at),
                ]
                processing = render(ctx, order, steps[order.id])
                happened.append(NewEvent(order.org_id, order.mode, ORDER_PROCESSING, processing))
            orders = [o for _, o, _ in ready]
            made = jobs.new_claimed(
                FULFIL_JOB,
                [f"fulfil:{o.id}" for o in orders],
                [{"order_id": o.id} for o in orders],
                runner.name,
                runner.lease,
            )
            emitted = ctx.events.new(happened)
            written = await sql.write_all(  # one round trip on PostgreSQL (kit/sql.py says why)
                s,
                [
                    repository.order_rows(orders),
                    repository.transition_rows([t for o in orders for t in steps[o.id]]),
                    insert_rows(emitted),
                    jobs.insert_rows(made),
                ],
                returning=jobs.KEYED,
            )
            jobs.adopt_ids(made, written)
            await ctx.events.fan_out(s, emitted)
            debits = [entries.debit(o) for o in orders]
            # Last: the wallet rows stay locked from here to the commit.
            await ledger.post_many(s, debits, ctx.part(ledger.AccountIds))
            for o, entry in zip(orders, debits, strict=True):
                await entries.note_debit(ctx, s, o, entry)
            committing = True
    except Exception as exc:
        if committing:
            raise _CommitUnknown(str(exc)) from exc
        raise
    for (i, order, product), job in zip(ready, made, strict=True):
        decided[i] = Booked(order, steps[order.id], product, job, records.get(i))
    return decided
