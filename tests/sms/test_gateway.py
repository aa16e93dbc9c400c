"""Which provider each mode gets from the settings (sms/gateway.py), and the settings that stop a
process at start-up rather than at its first message."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from rewardkit.bootstrap import build_runtime
from rewardkit.config import Settings
from rewardkit.kit.sms import ConsoleProvider, TwilioProvider
from rewardkit.sms.gateway import SmsGateway

TWILIO = {"sms_account_sid": "AC" + "0" * 32, "sms_auth_token": "secret-token", "sms_from": "+15005550006"}


def settings(tmp_path: Path, **over: object) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}",
        secret_keys="t1:" + secrets.token_urlsafe(40),
        **over,  # type: ignore[arg-type]
    )


async def gateway(tmp_path: Path, **over: object) -> SmsGateway:
    rt = build_runtime(settings(tmp_path, **over))
    try:
        return rt.part(SmsGateway)
    finally:
        await rt.aclose()


async def test_development_defaults_to_the_console_for_both_modes(tmp_path: Path) -> None:
    gw = await gateway(tmp_path)
    assert isinstance(gw.live, ConsoleProvider) and gw.live.echo
    assert gw.provider("test") is gw.provider("live")
    quiet = await gateway(tmp_path, sms_console_echo=False)
    assert isinstance(quiet.live, ConsoleProvider) and not quiet.live.echo


async def test_production_without_a_provider_has_no_live_sms_and_a_silent_sandbox(tmp_path: Path) -> None:
    gw = await gateway(tmp_path, environment="production")
    assert gw.provider("live") is None
    test = gw.provider("test")
    assert isinstance(test, ConsoleProvider) and not test.echo  # never prints a link in production


async def test_twilio_for_live_and_console_for_test_by_default(tmp_path: Path) -> None:
    gw = await gateway(tmp_path, environment="production", sms_provider="twilio", sms_url="https://sms.example.com",
                       **TWILIO)  # fmt: skip
    live = gw.provider("live")
    assert isinstance(live, TwilioProvider)
    assert live.url == f"https://sms.example.com/2010-04-01/Accounts/{TWILIO['sms_account_sid']}/Messages.json"
    assert isinstance(gw.provider("test"), ConsoleProvider)
    both = await gateway(tmp_path, sms_provider="twilio", sms_test_provider="twilio", **TWILIO)
    assert both.provider("test") is both.provider("live")


async def test_console_for_live_messages_in_production_stops_the_process(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="development only"):
        build_runtime(settings(tmp_path, environment="production", sms_provider="console"))


@pytest.mark.parametrize("missing", ["sms_account_sid", "sms_auth_token", "sms_from"])
async def test_twilio_without_its_settings_stops_the_process(tmp_path: Path, missing: str) -> None:
    with pytest.raises(RuntimeError, match=missing.upper()):
        build_runtime(settings(tmp_path, sms_provider="twilio", **{**TWILIO, missing: ""}))


def test_unknown_providers_are_refused_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        settings(tmp_path, sms_provider="carrier-pigeon")
