"""Unit tests: exact money, the keyring, and ids."""

from __future__ import annotations

import base64
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from cryptography.exceptions import InvalidTag

from rewardkit.kit import ids
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import MAX_MINOR, MoneyError, exponent, format_major, money, to_major, to_minor

# --- money -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("50", "USD", 5000),
        (50, "USD", 5000),
        (Decimal("50.25"), "USD", 5025),
        ("0.01", "USD", 1),
        ("50.10", "USD", 5010),
        ("5e1", "USD", 5000),
        ("5000", "JPY", 5000),
        ("5000.0", "JPY", 5000),
        ("1.234", "BHD", 1234),
        ("10", "BHD", 10000),
        ("0.001", "KWD", 1),
        ("1.2345", "CLF", 12345),
        ("-5.5", "USD", -550),
    ],
)
def test_to_minor(amount: Decimal | int | str, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor
    assert isinstance(to_minor(amount, currency), int)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (5000, "USD", "50.00"),
        (5, "USD", "0.05"),
        (-5, "USD", "-0.05"),
        (0, "USD", "0.00"),
        (5000, "JPY", "5000"),
        (10000, "BHD", "10.000"),
        (1, "BHD", "0.001"),
        (MAX_MINOR, "USD", "10000000000000.00"),
    ],
)
def test_format_major(minor: int, currency: str, text: str) -> None:
    assert format_major(minor, currency) == text
    assert to_minor(text, currency) == minor  # round trip


def test_exponents_and_money_shape() -> None:
    assert (exponent("USD"), exponent("JPY"), exponent("BHD"), exponent("EUR")) == (2, 0, 3, 2)
    assert to_major(1234, "BHD") == Decimal("1.234")
    assert money(5000, "JPY") == {"currency": "JPY", "minor_units": 5000, "value": "5000"}


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("50.001", "USD"),
        ("0.1", "JPY"),
        ("5000.5", "JPY"),
        ("1.2345", "BHD"),
        ("0.005", "USD"),
        (Decimal("1e-30"), "USD"),
    ],
)
def test_sub_minor_precision_is_refused(amount: str | Decimal, currency: str) -> None:
    with pytest.raises(MoneyError, match="decimal places"):
        to_minor(amount, currency)


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "inf", "NaN", "sNaN", Decimal("NaN"), Decimal("-inf")])
def test_non_finite_is_refused(amount: str | Decimal) -> None:
    with pytest.raises(MoneyError, match="finite"):
        to_minor(amount, "USD")


@pytest.mark.parametrize("amount", ["abc", "", "50,00", "1/2", "0x10"])
def test_not_a_number_is_refused(amount: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(amount, "USD")


@pytest.mark.parametrize("amount", ["1E+400", str(MAX_MINOR // 100 + 1), "-1e20"])
def test_too_large_is_refused(amount: str) -> None:
    with pytest.raises(MoneyError, match="too large"):
        to_minor(amount, "USD")
    assert to_minor(str(MAX_MINOR // 100), "USD") == MAX_MINOR


@pytest.mark.parametrize("currency", ["XXX", "ABC", "usd", "", "XTS", "XAU"])
def test_unknown_or_unspendable_currency_is_refused(currency: str) -> None:
    with pytest.raises(MoneyError, match="unknown currency"):
        to_minor("1", currency)
    with pytest.raises(MoneyError):
        format_major(100, currency)


def test_vanishingly_small_amount_is_refused_not_rounded_to_zero() -> None:
    with pytest.raises(MoneyError):
        to_minor("1e-999999999", "USD")


@pytest.mark.parametrize("amount", ["9e999999", "1e999999999"])
def test_astronomical_exponent_is_a_money_error(amount: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(amount, "USD")


# --- keyring ---------------------------------------------------------------------------------------------

OLD = ("k1", b"o" * 32 + b"-old-secret")
NEW = ("k2", b"n" * 32 + b"-new-secret")


def test_encrypt_decrypt_round_trip() -> None:
    ring = Keyring([OLD])
    for text in ["TEST-ABCD-1234", "", "ünïcödé ✓", "x" * 10_000]:
        token = ring.encrypt(text)
        assert token.startswith("k1:")
        assert text == "" or text not in token
        assert ring.decrypt(token) == text


def test_encryption_is_randomised() -> None:
    ring = Keyring([OLD])
    assert ring.encrypt("same") != ring.encrypt("same")


def test_rotation_old_ciphertext_decrypts_under_a_ring_led_by_the_new_key() -> None:
    old_ring = Keyring([OLD])
    rotated = Keyring([NEW, OLD])
    token = old_ring.encrypt("voucher-code")
    assert rotated.decrypt(token) == "voucher-code"
    fresh = rotated.encrypt("voucher-code")
    assert fresh.startswith("k2:")
    assert rotated.decrypt(fresh) == "voucher-code"
    with pytest.raises(ValueError, match="no key"):
        old_ring.decrypt(fresh)  # the old ring never learnt k2


def test_rotation_hashes_include_the_old_hash() -> None:
    old_ring = Keyring([OLD])
    rotated = Keyring([NEW, OLD])
    value = "sk_test_something_long_enough"
    assert rotated.hash(value) == rotated.hashes(value)[0] != old_ring.hash(value)
    assert rotated.hashes(value) == [Keyring([NEW]).hash(value), old_ring.hash(value)]
    assert all(len(h) == 64 for h in rotated.hashes(value))
    assert rotated.hash(value) == Keyring([NEW, OLD]).hash(value)  # deterministic


def test_from_spec_matches_the_constructor_and_rejects_weak_secrets() -> None:
    spec = f"k2:{NEW[1].decode()},k1:{OLD[1].decode()}"
    assert Keyring.from_spec(spec).hashes("v") == Keyring([NEW, OLD]).hashes("v")
    for bad in ["k1:short", "no-colon-" + "x" * 40, ":" + "x" * 40, ""]:
        with pytest.raises(ValueError):
            Keyring.from_spec(bad)
    with pytest.raises(ValueError):
        Keyring([])


def _flip(token: str, index: int) -> str:
    kid, _, data = token.partition(":")
    raw = bytearray(base64.urlsafe_b64decode(data))
    raw[index] ^= 0x01
    return f"{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("index", [0, 11, 12, -1], ids=["nonce_start", "nonce_end", "ciphertext", "tag"])
def test_tampered_ciphertext_fails(index: int) -> None:
    ring = Keyring([OLD])
    token = ring.encrypt("TEST-ABCD-1234")
    with pytest.raises(InvalidTag):
        ring.decrypt(_flip(token, index))


def test_ciphertext_relabelled_with_another_key_id_fails() -> None:
    ring = Keyring([NEW, OLD])
    token = Keyring([OLD]).encrypt("secret")
    with pytest.raises(InvalidTag):
        ring.decrypt("k2:" + token.partition(":")[2])


def test_ciphertext_under_an_unknown_key_fails() -> None:
    token = Keyring([("k1", b"z" * 40)]).encrypt("secret")
    with pytest.raises(InvalidTag):
        Keyring([OLD]).decrypt(token)  # same kid, different secret
    with pytest.raises(ValueError, match="no key"):
        Keyring([OLD]).decrypt("k9:" + token.partition(":")[2])


# --- ids -------------------------------------------------------------------------------------------------

ALPHABET = set("0123456789abcdefghjkmnpqrstvwxyz")


def test_new_id_is_prefixed_and_well_formed() -> None:
    for prefix in ("ord", "org", "key"):
        value = new_id(prefix)
        head, _, body = value.partition("_")
        assert head == prefix
        assert len(body) == 26
        assert set(body) <= ALPHABET


def test_new_id_is_unique() -> None:
    values = [new_id("ord") for _ in range(20_000)]
    assert len(set(values)) == len(values)


def test_new_id_sorts_by_creation_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(1_750_000_000 + i / 1000 for i in range(2_000))
    # new_id is monotonic within the process: the last id made under the fake clock is restored with
    # it, or every later test's ids would carry that clock's time (a window of ids by time misses them).
    monkeypatch.setattr(ids, "_last", ids._last)
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=lambda: next(clock)))
    values = [new_id("ord") for _ in range(2_000)]
    assert sorted(values) == values


def test_new_id_sorts_across_real_milliseconds() -> None:
    first = new_id("ord")
    time.sleep(0.003)
    assert new_id("ord") > first


def test_new_ids_of_one_millisecond_sort_in_creation_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Events written in one transaction (order.created, order.processing) must list in that order."""
    monkeypatch.setattr(ids, "_last", ids._last)  # restored afterwards: later ids are not made in 2030
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=lambda: 1_900_000_000.0))  # a frozen clock
    values = [new_id("evt") for _ in range(5_000)]
    assert sorted(values) == values and len(set(values)) == len(values)
