"""Exact money: integer minor units with an ISO 4217 currency. No floats, ever."""

from __future__ import annotations

from decimal import Decimal, DecimalException, InvalidOperation, Overflow, Underflow, localcontext

import pycountry

# ISO 4217 minor units that differ from the common 2 (the standard's own table, not CLDR's cash rules).
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
# Funds, metals and testing codes are not money we move.
_NOT_SPENDABLE = {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
CURRENCIES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in _NOT_SPENDABLE)
# Largest amount in minor units we accept anywhere: keeps sums far from 64-bit overflow.
MAX_MINOR = 10**15


class MoneyError(ValueError):
    pass


def is_currency(code: str) -> bool:
    return code in CURRENCIES


def exponent(currency: str) -> int:
    if currency not in CURRENCIES:
        raise MoneyError(f"unknown currency {currency!r}")
    return _EXPONENTS.get(currency, 2)


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Convert a major-unit amount (50, "50.25") to minor units, refusing sub-minor precision."""
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError("not a number") from exc
    if not value.is_finite():
        raise MoneyError("must be a finite number")
    exp = exponent(currency)
    with localcontext() as dctx:
        dctx.traps[Overflow] = dctx.traps[Underflow] = True
        try:
            scaled = value.scaleb(exp)
        except DecimalException as exc:
            raise MoneyError("amount is out of range") from exc
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} has {exp} decimal places; {amount} has more")
    minor = int(scaled)
    if abs(minor) > MAX_MINOR:
        raise MoneyError("amount is too large")
    return minor


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def format_major(minor: int, currency: str) -> str:
    """ "50.00" for 5000 USD, "5000" for 5000 JPY, "10.000" for 10000 BHD."""
    exp = exponent(currency)
    return f"{to_major(minor, currency):.{exp}f}"


def money(minor: int, currency: str) -> dict[str, object]:
    """The one JSON shape for an amount in every response."""
    return {"currency": currency, "minor_units": minor, "value": format_major(minor, currency)}
