"""The console provider (development): the message, link included, on stdout for the developer;
never in the log; silent in production."""

from __future__ import annotations

import io

import pytest
from fastapi import FastAPI

from rewardkit.kit.sms import ConsoleProvider
from rewardkit.runtime import Runtime
from rewardkit.sms import service as sms
from rewardkit.sms.gateway import SmsGateway
from tests.conftest import MakeOrg
from tests.sms.conftest import run_until_final

LINK = "http://testserver/l/tok_console_5b1e0c"


async def test_echo_prints_the_message_with_the_number_masked() -> None:
    out = io.StringIO()
    console = ConsoleProvider(echo=True, stream=out)
    result = await console.send("+16502530000", f"Claim: {LINK}", idempotency_ref="sms_1")
    assert result.status == "sent" and result.provider_id.startswith("CO")
    printed = out.getvalue()
    assert LINK in printed and "+*******0000" in printed
    assert "6502530000" not in printed
    again = await ConsoleProvider(echo=False, stream=out).send("+16502530000", "x", idempotency_ref="sms_1")
    assert again.provider_id == result.provider_id  # the same message, the same id
    assert out.getvalue() == printed  # echo off prints nothing


async def test_a_development_server_prints_live_messages_to_stdout(
    app: FastAPI, ctx: Runtime, make_org: MakeOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    # The suite's runtime is development with the defaults: live and test messages go to the console.
    gateway = ctx.part(SmsGateway)
    assert isinstance(gateway.live, ConsoleProvider) and gateway.live.echo
    assert gateway.test is gateway.live
    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        msg = await sms.queue_sms(s, ctx, org_id=org.id, mode="live", to="+16502530000", body=f"Claim: {LINK}")
    capsys.readouterr()
    done = await run_until_final(app, ctx, msg.id)
    assert (done.status, done.provider) == ("sent", "console")
    captured = capsys.readouterr()
    assert LINK in captured.out
    assert LINK not in captured.err
