"""The base of every request body, and the strict types its fields share.

Unknown fields are refused, and so is NUL anywhere in a string (PostgreSQL text cannot hold U+0000;
refusing it for both databases keeps them in agreement). Numbers, amounts and booleans take exactly
what they mean: `Amount` a JSON number (read as an exact Decimal by kit/http.py `loads_strict`) or a
plain decimal string (`"50"`, `"50.00"`), never `"5_0"`, `" 50"`, `"+50"`, `"5e1"` or other digits;
`Flag` only `true`/`false`; `Number` only a JSON number. Each refusal is a 422 naming the field."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def _no_nul(v: Any) -> Any:
    if isinstance(v, str):
        if "\x00" in v:
            raise ValueError("must not contain the NUL character (\\u0000)")
        if not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (\ud800) is not text any database can store
                raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    if isinstance(v, dict):
        for key, item in v.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(v, list | tuple):
        for item in v:
            _no_nul(item)
    return v


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _nul = field_validator("*", mode="before")(_no_nul)


def _exact_amount(v: Any) -> Decimal:
    if isinstance(v, bool | float):  # a float is a number someone already rounded
        raise ValueError("must be a number (e.g. 50 or 50.00) or a decimal string such as \"50.00\"")
    if isinstance(v, int | Decimal):
        return Decimal(v)
    if isinstance(v, str) and _PLAIN_DECIMAL.fullmatch(v):
        return Decimal(v)
    raise ValueError("must be a number (e.g. 50 or 50.00) or a decimal string of digits such as \"50.00\"")


def _exact_number(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
        raise ValueError("must be a JSON number")
    return v


# An amount in major units: exact, never through a float (kit/money.py turns it into minor units).
Amount = Annotated[Decimal, BeforeValidator(_exact_amount)]
# A JSON number (int or exact decimal), then whatever the field's own type and bounds say.
Number = BeforeValidator(_exact_number)
Flag = StrictBool


def _email(v: str) -> str:
    try:
        return validate_email(v, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None


def _country(v: str) -> str:
    if pycountry.countries.get(alpha_2=v.upper()) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return v.upper()


# A recipient's or member's email address: syntax checked and normalised by email-validator, no DNS.
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
# An ISO 3166-1 alpha-2 country code, any case in, upper case out.
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_country)]
