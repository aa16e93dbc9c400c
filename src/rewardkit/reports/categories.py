"""Which activity category a posting belongs to: one table of ledger transaction kinds, and two rules
on the account it moves (docs/reports.md#categories). A kind not in the table is `other`, so a summary
always ties whatever a future domain books."""

from __future__ import annotations

CATEGORIES = (
    "funding",
    "orders",
    "refunds",
    "fx",
    "link_reservations",
    "link_claims",
    "link_releases",
    "points_funding",
    "points",
    "adjustments",
    "other",
)

KIND_CATEGORY: dict[str, str] = {
    "funding": "funding",  # a top-up of a wallet
    "order_debit": "orders",  # an order's charge: wallet -> pending
    "order_settle": "orders",  # a fulfilled order's held funds: pending -> fulfillment
    "refund": "refunds",  # a failed or canceled order's charge given back
    "link_reserve": "link_reservations",  # wallet -> a reward link's reservation
    "link_claim": "link_claims",  # a claim takes value out of the reservation (then an order books it)
    "link_release": "link_releases",  # what a canceled or expired link held goes back to the wallet
    "points_credit": "points",
    "points_debit": "points",
    "points_reversal": "points",
    "points_release": "points",
    "points_expiry": "points",
    "adjustment": "adjustments",  # a correction booked by reconciliation (#16 part D)
}
POINTS_KINDS = frozenset(k for k, c in KIND_CATEGORY.items() if c == "points")


def category(tx_kind: str, account_kind: str, is_money: bool) -> str:
    # The FX desk's postings are the conversion itself, whichever order or refund made them.
    if account_kind == "fx":
        return "fx"
    # A prefunded points programme moves cash between the wallet and its backing account in the same
    # transaction as the points: that cash is points funding, the points themselves are `points`.
    if tx_kind in POINTS_KINDS and is_money:
        return "points_funding"
    return KIND_CATEGORY.get(tx_kind, "other")
