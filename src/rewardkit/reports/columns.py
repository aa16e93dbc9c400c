"""The columns of each report type, in file order, each with its meaning (docs/reports.md lists the
same; tests/reports/test_columns.py checks the two agree). Names are stable: a column is added, never
renamed or removed. Money columns are decimals in major units (CSV and JSON Lines); JSON Lines adds
`<name>_minor`, the same amount in integer minor units."""

from __future__ import annotations

from dataclasses import dataclass

from rewardkit.reports.categories import CATEGORIES


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    money: bool = False


@dataclass(frozen=True)
class Amount:
    """A money value as a row carries it: minor units and the asset's digits after the point."""

    minor: int
    precision: int

    def decimal(self) -> str:
        sign, digits = ("-" if self.minor < 0 else ""), str(abs(self.minor))
        if not self.precision:
            return sign + digits
        digits = digits.rjust(self.precision + 1, "0")
        return f"{sign}{digits[: -self.precision]}.{digits[-self.precision :]}"


_ACCOUNT = Column("account", "The account's kind: wallet, pending, reserved, fx, fulfillment, funding, points_…")
_HOLDER = (
    Column("holder_type", "Who holds the account: org (the org itself), reward_link, points_member, points_program"),
    Column("holder_id", "The holder's id: the org's id for its own accounts"),
)

BALANCE_SUMMARY = (
    Column("currency", "The asset: an ISO 4217 currency, or a points programme's unit"),
    _ACCOUNT,
    *_HOLDER,
    Column("opening_balance", "The balance at interval_start: every posting before it", money=True),
    *(Column(f"activity_{c}", f"The sum of the interval's postings of category {c}", money=True) for c in CATEGORIES),
    Column("closing_balance", "The balance at interval_end: opening_balance plus every activity column", money=True),
    Column("transaction_count", "Postings on the account in the interval"),
)

BALANCE_TRANSACTIONS = (
    Column("id", "The posting's id, btx_…, as GET /v1/balance_transactions names it"),
    Column("transaction_id", "The ledger transaction (ltx_…) the posting belongs to; its postings sum to zero"),
    Column("created_utc", "When it was booked, ISO 8601 in UTC"),
    Column("created_local", "The same instant in the run's timezone, with its offset"),
    _ACCOUNT,
    *_HOLDER,
    Column("category", "The activity category (docs/reports.md#categories)"),
    Column("type", "The ledger transaction's kind: funding, order_debit, refund, link_reserve, …"),
    Column("description", "The ledger transaction's description"),
    Column("amount", "Signed: + into the account, - out of it", money=True),
    Column("amount_minor", "The amount in integer minor units"),
    Column("currency", "The asset of the account"),
    Column("balance_after", "The account's running balance right after this posting", money=True),
    Column("source_id", "What the transaction books: an order, a reward link, a points member, a top-up"),
    Column("order_id", "The order, when source_id is one"),
    Column("link_id", "The reward link, when source_id is one"),
    Column("points_member_id", "The points member (pmb_…), when source_id is one"),
    Column(
        "fx_rate",
        "A cross-currency order's rate, markup included: charge currency per unit of product currency"
        " (charged = face value × rate, rounded up)",
    ),
    Column("fx_markup_bps", "That order's FX markup, in basis points"),
)

ORDERS = (
    Column("id", "The order (ord_…)"),
    Column("created_utc", "When it was placed, ISO 8601 in UTC"),
    Column("created_local", "The same instant in the run's timezone"),
    Column("status", "pending, processing, fulfilled, failed, refunded or canceled, when the run was made"),
    Column("product_id", "The catalog product"),
    Column("currency", "The product's currency"),
    Column("face_value", "The product's face value", money=True),
    Column("charge_currency", "The wallet it was paid from"),
    Column("charged", "What the wallet paid (FX markup included)", money=True),
    Column(
        "fx_rate",
        "The rate, markup included, when the currencies differ: charge currency per unit of product currency"
        " (charged = face_value × fx_rate, rounded up)",
    ),
    Column("fx_markup_bps", "The FX markup in basis points"),
    Column("supplier", "The supplier that fulfilled it; for an order never fulfilled, the one it was routed to"),
    Column("supplier_reference", "The supplier's own reference"),
    Column("external_id", "Your reference for the order"),
    Column("failure_code", "Why it failed, when it did"),
    Column("fulfilled_utc", "When it was fulfilled (UTC)"),
    Column("fulfilled_local", "When it was fulfilled (run's timezone)"),
    Column("refunded_utc", "When it was refunded (UTC)"),
    Column("refunded_local", "When it was refunded (run's timezone)"),
)

REWARD_LINKS = (
    Column("id", "The reward link (rwl_…)"),
    Column("created_utc", "When it was created, ISO 8601 in UTC"),
    Column("created_local", "The same instant in the run's timezone"),
    Column("status", "created, delivered, opened, partially_claimed, claimed, expired or canceled"),
    Column("currency", "Its currency"),
    Column("value", "The value it was created with", money=True),
    Column("remaining", "What is still unclaimed", money=True),
    Column("expires_utc", "When it expires (UTC)"),
    Column("opened_utc", "When the recipient first opened it (UTC)"),
    Column("external_id", "Your reference for the link"),
    Column("order_ids", "The orders its claims placed, space-separated"),
)

POINTS = (
    Column("id", "The points transaction (ptx_…)"),
    Column("created_utc", "When it was booked, ISO 8601 in UTC"),
    Column("created_local", "The same instant in the run's timezone"),
    Column("program_id", "The programme (ppg_…)"),
    Column("member_id", "Your user id for the member"),
    Column("points_member_id", "The member's ledger holder id (pmb_…)"),
    Column("type", "credit, debit, reversal or expiry"),
    Column("points", "Points moved, always positive"),
    Column("delta", "The change of the member's available + pending points"),
    Column("balance_after", "The member's available points after"),
    Column("pending_after", "The member's pending points after"),
    Column("status", "A credit's: pending or available"),
    Column("reference", "Your reference"),
    Column("reverses", "The transaction it reverses"),
    Column("cash", "Prefunded programmes: cash moved into (+) or out of (-) the backing account", money=True),
    Column("currency", "The programme's currency (of cash)"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "balance_summary": BALANCE_SUMMARY,
    "balance_transactions": BALANCE_TRANSACTIONS,
    "orders": ORDERS,
    "reward_links": REWARD_LINKS,
    "points": POINTS,
}
# The product each type reads, by its module's name (a type whose product is not installed is refused).
NEEDS: dict[str, str] = {"orders": "orders", "reward_links": "links", "points": "points"}


def select(type_: str, names: list[str] | None) -> tuple[Column, ...]:
    """The run's columns in the order asked (all of the type's, in file order, when none)."""
    from rewardkit.reports.errors import UnknownColumn

    known = {c.name: c for c in COLUMNS[type_]}
    if not names:
        return COLUMNS[type_]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownColumn(
            f"{', '.join(unknown)}: not a column of {type_}. Its columns: {', '.join(known)}.",
            errors=[{"field": "columns", "message": f"unknown: {', '.join(unknown)}"}],
        )
    if len(set(names)) != len(names):
        raise UnknownColumn("A column is named twice.", errors=[{"field": "columns"}])
    return tuple(known[n] for n in names)
