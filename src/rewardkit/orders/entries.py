"""The ledger entries of an order: the debit when it is booked, the settlement when it is fulfilled,
the refund (the debit reversed) when it fails or is canceled. References `<order id>:<step>`, so no
step can ever be booked twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.ledger.service import Entry, Leg
from rewardkit.orders.models import Order

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


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


def debit(order: Order) -> Entry:
    return _entry(order, "order_debit", "debit", debit_legs(order), f"Order {order.id}")


def settle_entry(order: Order) -> Entry:
    """A fulfilled order's held funds become the cost of fulfilment."""
    held = order.face_amount
    legs = [Leg("pending", order.currency, -held), Leg("fulfillment", order.currency, held)]
    return _entry(order, "order_settle", "settle", legs, f"Order {order.id}")


def refund_entry(order: Order, kind: str) -> Entry:
    """Give the wallet back exactly what the order took: the debit's postings, reversed."""
    reversed_legs = [Leg(leg.kind, leg.asset, -leg.amount, leg.holder) for leg in debit_legs(order)]
    return _entry(order, kind, "refund", reversed_legs, f"Refund of order {order.id}")


async def settle(s: AsyncSession, order: Order, known: ledger.AccountIds | None = None) -> None:
    await ledger.post(s, settle_entry(order), known)


async def refund_debit(s: AsyncSession, order: Order, kind: str, known: ledger.AccountIds | None = None) -> None:
    await ledger.post(s, refund_entry(order, kind), known)


def _entry(order: Order, kind: str, step: str, legs: list[Leg], description: str) -> Entry:
    return Entry(
        org_id=order.org_id,
        mode=order.mode,
        kind=kind,
        reference=f"{order.id}:{step}",
        legs=legs,
        description=description,
        source_id=order.id,
    )


async def note_debit(ctx: Runtime, s: AsyncSession, order: Order, entry: Entry) -> None:
    """After the debit is posted: `balance.low` if the wallet just crossed the threshold."""
    wallet_after = entry.balances_after[("wallet", order.charge_currency)]
    threshold = to_minor(ctx.settings.balance_low_threshold, order.charge_currency)
    await ledger.note_debit(
        s, ctx.events, order.org_id, order.mode, order.charge_currency, wallet_after, order.charge_amount, threshold
    )
