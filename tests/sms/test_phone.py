"""Phone numbers (kit/phone.py): E.164 out, a stable reason for every refusal, and the strict request
type's 422 naming the field."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from rewardkit.kit.http import install_error_handlers
from rewardkit.kit.phone import PhoneNumber, PhoneNumberInvalid, mask, parse_e164
from rewardkit.kit.schemas import RequestModel
from rewardkit.kit.sms import SANDBOX


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+16502530000", None, "+16502530000"),
        ("+1 (650) 253-0000", None, "+16502530000"),
        ("(650) 253-0000", "US", "+16502530000"),
        ("650.253.0000", "us", "+16502530000"),
        ("+44 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+49 30 901820", None, "+4930901820"),
    ],
)
def test_good_numbers_come_back_in_e164(raw: str, region: str | None, e164: str) -> None:
    assert parse_e164(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", None, "not_a_number"),
        ("   ", None, "not_a_number"),
        ("call me", None, "not_a_number"),
        ("650 253 0000", None, "not_a_number"),  # national, and no region to read it with
        ("+" + "1" * 70, None, "not_a_number"),  # longer than anything worth parsing
        ("+1 650", None, "not_possible"),
        ("+1 650 253 00001", None, "not_possible"),
        ("+1 650 253 0000 ext. 12", None, "not_possible"),
        ("+1 200 253 0000", None, "not_valid"),  # area code 200 is not assigned
        ("+44 10 0000 0000", None, "not_valid"),
    ],
)
def test_bad_numbers_say_why(raw: str, region: str | None, reason: str) -> None:
    with pytest.raises(PhoneNumberInvalid) as caught:
        parse_e164(raw, region)
    assert caught.value.reason == reason
    assert caught.value.message


def test_a_number_of_another_country_is_wrong_region() -> None:
    assert parse_e164("+16502530000", country="us") == "+16502530000"
    with pytest.raises(PhoneNumberInvalid) as caught:
        parse_e164("+442079460958", country="US")
    assert caught.value.reason == "wrong_region"
    assert "GB" in caught.value.message


def test_the_sandbox_magic_numbers_are_valid_numbers() -> None:
    # They must get through request validation (PhoneNumber) to reach the sandbox.
    for number in SANDBOX:
        assert parse_e164(number) == number


def test_mask_keeps_only_the_last_four_digits() -> None:
    assert mask("+16502530000") == "+*******0000"
    assert mask("+442079460958") == "+********0958"
    assert mask("+123") == "+***"


class Body(RequestModel):
    phone: PhoneNumber


def test_phone_number_type_normalises_and_is_strict() -> None:
    assert Body(phone="+1 650-253-0000").phone == "+16502530000"
    for bad in (16502530000, None, ["+16502530000"], "(650) 253-0000", "+1 200 253 0000"):
        with pytest.raises(ValidationError) as caught:
            Body(phone=bad)  # type: ignore[arg-type]
        [error] = caught.value.errors()
        assert error["loc"] == ("phone",)
        assert error["type"] == "invalid_phone_number"
        assert "Value error" not in error["msg"]


async def test_a_bad_phone_number_in_a_request_is_a_422_naming_the_field() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/echo")
    async def echo(body: Body) -> dict[str, str]:
        return {"phone": body.phone}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ok = await c.post("/echo", json={"phone": "+44 20 7946 0958"})
        assert ok.json() == {"phone": "+442079460958"}
        r = await c.post("/echo", json={"phone": "+1 650"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "validation_error"
    [error] = problem["errors"]
    assert error["field"] == "phone"
    assert error["pointer"] == "/phone"
    assert error["code"] == "invalid_phone_number"
    assert "(not_possible)" in error["message"]
