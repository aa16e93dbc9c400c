"""The built-in statement mappings: which column of a supplier's CSV holds the reference, the amount,
the currency and the date, and how its dates are written (docs/reconciliation.md#mappings).

`tango` and `tillo` are shaped after those vendors' published report columns (Tango's line-items
export; Tillo's is illustrative): check a real export's header before relying on them, and use
`generic` (rename the columns) for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

ISO = "iso"  # YYYY-MM-DD, or an ISO 8601 date-time whose date part is taken


@dataclass(frozen=True)
class StatementMapping:
    name: str
    description: str
    reference: str  # the column of the supplier's reference (our orders.supplier_ref)
    amount: str  # a decimal in major units of the line's currency: 25, 25.00, -3.50
    date: str
    currency: str | None  # None: every line is in the `currency` given with the upload
    date_formats: tuple[str, ...] = (ISO,)  # tried in order; strptime formats besides ISO
    delimiter: str = ","

    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.reference, self.amount, self.currency, self.date) if c is not None)


MAPPINGS: dict[str, StatementMapping] = {
    m.name: m
    for m in (
        StatementMapping(
            "generic",
            "reference,amount,currency,date with ISO 8601 dates: rename any export's columns to these",
            reference="reference",
            amount="amount",
            currency="currency",
            date="date",
        ),
        StatementMapping(
            "sandbox",
            "The sandbox supplier's statement: supplier_ref,face_value,currency,fulfilled_at",
            reference="supplier_ref",
            amount="face_value",
            currency="currency",
            date="fulfilled_at",
        ),
        StatementMapping(
            "tango",
            "Shaped after Tango's line-items export: Reward ID, Amount issued, Currency Code, Date Issued "
            "(MM/DD/YYYY, a time after it ignored, or ISO)",
            reference="Reward ID",
            amount="Amount issued",
            currency="Currency Code",
            date="Date Issued",
            date_formats=("%m/%d/%Y", ISO),
        ),
        StatementMapping(
            "tillo",
            "Illustrative, after Tillo-style exports: Order Reference, Face Value, Currency, Transaction Date "
            "(DD/MM/YYYY or ISO)",
            reference="Order Reference",
            amount="Face Value",
            currency="Currency",
            date="Transaction Date",
            date_formats=("%d/%m/%Y", ISO),
        ),
    )
}

# The mapping a supplier's statement is read with when the upload names none.
DEFAULT_FOR_SUPPLIER = {"sandbox": "sandbox"}
DEFAULT = "generic"


def default_for(supplier: str) -> str:
    return DEFAULT_FOR_SUPPLIER.get(supplier, DEFAULT)
