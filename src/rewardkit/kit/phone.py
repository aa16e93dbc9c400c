"""Phone numbers: parsed and validated by `phonenumbers` (Google's libphonenumber metadata), never a
hand-written regex, and always stored and sent in E.164 (`+14155550123`).

* `parse_e164(raw, default_region=None, *, country=None)` returns the E.164 form or raises
  `PhoneNumberInvalid` with a stable `reason` (`not_a_number`, `not_possible`, `not_valid`,
  `wrong_region`) and a message that says what to send instead.
* `PhoneNumber` is the strict request-model type: a JSON string only, normalised to E.164, a 422 naming
  the field otherwise (kit/schemas.py style: `code` `invalid_phone_number` in `errors[]`).
* `mask(e164)` is the form that may be shown or logged: every digit hidden but the last four.
"""

from __future__ import annotations

from typing import Annotated, Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = ["REASONS", "PhoneNumber", "PhoneNumberInvalid", "mask", "parse_e164"]

# The longest input worth parsing: E.164 has at most 15 digits; spaces, dashes and brackets may double
# it. Anything longer is refused before the parser sees it.
MAX_INPUT_CHARS = 64

REASONS = ("not_a_number", "not_possible", "not_valid", "wrong_region")

_EXAMPLE = "+14155550123"


class PhoneNumberInvalid(ValueError):
    """A phone number we cannot send to. `reason` is one of REASONS (stable; tests and callers branch
    on it), the message is for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def parse_e164(raw: str, default_region: str | None = None, *, country: str | None = None) -> str:
    """The number in E.164. `default_region` (ISO 3166 alpha-2, e.g. "US") reads a national number
    such as "(415) 555-0123"; without it the number must be international ("+44 20 7946 0958", or
    "00…"). `country`, when given, is where the recipient is: a valid number of another country is
    `wrong_region`."""
    if not isinstance(raw, str) or not raw.strip():
        raise PhoneNumberInvalid("not_a_number", "must be a phone number such as " + _EXAMPLE)
    if len(raw) > MAX_INPUT_CHARS:
        raise PhoneNumberInvalid("not_a_number", f"must be a phone number of at most {MAX_INPUT_CHARS} characters")
    region = default_region.upper() if default_region else None
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise PhoneNumberInvalid(
                "not_a_number", f"must start with + and the country code, in E.164 format such as {_EXAMPLE}"
            ) from None
        if exc.error_type in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
            raise PhoneNumberInvalid("not_possible", "is too short to be a phone number") from None
        if exc.error_type == NumberParseException.TOO_LONG:
            raise PhoneNumberInvalid("not_possible", "is too long to be a phone number") from None
        raise PhoneNumberInvalid("not_a_number", "must be a phone number such as " + _EXAMPLE) from None
    if number.extension:
        raise PhoneNumberInvalid("not_possible", "must not have an extension: a text message cannot dial one")
    if not phonenumbers.is_possible_number(number):
        raise PhoneNumberInvalid(
            "not_possible", f"has the wrong number of digits for +{number.country_code} numbers"
        )
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberInvalid("not_valid", f"is not an assigned +{number.country_code} phone number")
    if country is not None:
        where = phonenumbers.region_code_for_number(number)
        if where != country.upper():
            raise PhoneNumberInvalid(
                "wrong_region", f"is a number of {where or 'another country'}, not of {country.upper()}"
            )
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def mask(e164: str) -> str:
    """`+14155550123` -> `+*******0123`: what a log line, a delivery listing or a support screen may
    show. The `+` and the last four digits stay, so a person can still tell two numbers apart."""
    digits = e164.removeprefix("+")
    if len(digits) <= 4:
        return "+" + "*" * len(digits)
    return "+" + "*" * (len(digits) - 4) + digits[-4:]


def _strict_phone(v: Any) -> str:
    if not isinstance(v, str):  # a JSON number loses leading zeros and the +: never guess what was meant
        raise PydanticCustomError(
            "invalid_phone_number", "must be a string such as \"{example}\"", {"example": _EXAMPLE}
        )
    try:
        return parse_e164(v)
    except PhoneNumberInvalid as exc:
        raise PydanticCustomError(
            "invalid_phone_number", "{message} ({reason})", {"message": exc.message, "reason": exc.reason}
        ) from None


# A request field holding a phone number: a JSON string, international (starts with + and the country
# code; spaces, dashes and brackets are fine), stored as E.164. A national number is refused: the
# request model does not know the recipient's country (parse_e164 with default_region does).
PhoneNumber = Annotated[
    str,
    BeforeValidator(_strict_phone),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 2,
            "maxLength": MAX_INPUT_CHARS,
            "description": "A phone number in E.164 format (`+` and the country code), e.g. +14155550123.",
            "examples": [_EXAMPLE],
        }
    ),
]
