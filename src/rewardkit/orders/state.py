"""What the orders domain keeps per process (a runtime part, orders/module.py): the fast-path hand-off
and the group-commit writers, with the values that cross between its files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rewardkit.auth.principals import Principal
from rewardkit.jobs.models import Job
from rewardkit.jobs.service import Run
from rewardkit.kit.group_commit import GroupCommit
from rewardkit.orders.models import Order, OrderTransition
from rewardkit.orders.schemas import OrderCreate

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


@dataclass
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass
class IdempotencyIntent:
    key: str
    fingerprint: str


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


@dataclass
class Booking:
    """An order waiting to be booked in a group commit (orders/batch.py)."""

    ident: Principal
    req: OrderCreate
    intent: IdempotencyIntent | None
    order_id: str


@dataclass
class Booked:
    order: Order
    steps: list[OrderTransition]
    product: Any
    job: Job
    record_id: int | None


@dataclass
class Finish:
    """A fast-path order the supplier fulfilled, waiting for the group commit of its final transaction."""

    order: Order
    reason: str
    values: dict[str, Any]  # the supplier's answer: reference and (encrypted) voucher
    timeline: list[OrderTransition]
    record_id: int | None
    run: Run | None


BookingWriter = GroupCommit[Booking, Booked]
FinishWriter = GroupCommit[Finish, "dict[str, Any] | None"]


class OrdersState:
    def __init__(self, rt: Runtime) -> None:
        self.max_batch = rt.settings.group_commit_max
        # order id -> what its booking request hands to the job it runs inline (popped by the job).
        self.handoff: dict[str, Handoff] = {}
        # One booking writer per (supplier registry, runner): tests swap the registry, and a writer's
        # batch is routed and run by the pair it was made for.
        self._booking: dict[tuple[int, int], BookingWriter] = {}
        self._finishing: FinishWriter | None = None

    def booking(self, key: tuple[int, int], write: Callable[[list[Booking]], Awaitable[list[Any]]]) -> BookingWriter:
        found = self._booking.get(key)
        if found is None:
            found = self._booking[key] = GroupCommit(write, max_batch=self.max_batch)
        return found

    def finishing(self, write: Callable[[list[Finish]], Awaitable[list[Any]]]) -> FinishWriter:
        if self._finishing is None:
            self._finishing = GroupCommit(write, max_batch=self.max_batch)
        return self._finishing

    def booking_writers(self) -> list[BookingWriter]:
        return list(self._booking.values())

    def finishing_writers(self) -> list[FinishWriter]:
        return [self._finishing] if self._finishing is not None else []
