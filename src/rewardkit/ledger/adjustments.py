"""Adjustments: the ledger side of resolving a supplier-reconciliation line (#16, docs/ledger.md
"Adjustments").

An adjustment moves money between the org's wallet and its `fulfillment` account, the account that
holds what suppliers charged for fulfilled orders: `debit` (the supplier billed more than we booked)
takes the difference from the wallet into fulfillment; `credit` (it billed less, or credited us) gives
it back. After the adjustments, fulfillment agrees with what the suppliers' statements say. The wallet
stays non-negative: a debit it cannot cover is InsufficientFunds and nothing is written.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.ledger.models import FULFILLMENT, WALLET
from rewardkit.ledger.service import AccountIds, Entry, Leg, post

KIND = "adjustment"  # the transaction kind reports file under `adjustments` (reports/, #16 part C)
DIRECTIONS = ("debit", "credit")


async def book(
    s: AsyncSession,
    org_id: str,
    mode: str,
    *,
    direction: str,
    amount: int,
    currency: str,
    reference: str,
    source_id: str,
    description: str,
    known: AccountIds | None = None,
) -> str:
    """Book one adjustment in the caller's unit of work; its ledger transaction's id. `amount` > 0 in
    minor units; `reference` unique (a second booking is DuplicateReference)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("amount must be a positive integer of minor units")
    sign = -1 if direction == "debit" else 1
    legs = [Leg(WALLET, currency, sign * amount), Leg(FULFILLMENT, currency, -sign * amount)]
    entry = Entry(org_id, mode, KIND, reference, legs, description=description[:300], source_id=source_id)
    tx = await post(s, entry, known)
    return tx.id
