"""What the sms tests share: the local Twilio simulator wired in as the runtime's SMS provider of
both modes (a real TwilioProvider over the runtime's outbound client), and a way to run the jobs
until a message is final."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.kit.sms import TwilioProvider
from rewardkit.runtime import Runtime
from rewardkit.sms.gateway import SmsGateway
from rewardkit.sms.models import SmsMessage
from tests.sms_simulator import RunningSimulator, TwilioSimulator

FROM = "+15005550006"


@pytest.fixture
async def twilio(ctx: Runtime) -> AsyncIterator[TwilioSimulator]:
    async with RunningSimulator() as sim:
        original = ctx.part(SmsGateway)
        provider = TwilioProvider(
            ctx.outbound, base_url=sim.url, account_sid=sim.account_sid, auth_token=sim.auth_token,
            from_number=FROM, timeout=0.5,
        )  # fmt: skip
        ctx.put(SmsGateway(provider, provider))
        try:
            yield sim
        finally:
            ctx.put(original)


async def run_until_final(app: FastAPI, ctx: Runtime, sms_id: str, rounds: int = 400) -> SmsMessage:
    """Run due jobs until the message is final (retries wait their backoff: look again shortly)."""
    for _ in range(rounds):
        await app.state.worker.drain()
        async with ctx.db.unit_of_work(readonly=True) as s:
            msg = (await s.execute(select(SmsMessage).where(SmsMessage.id == sms_id))).scalar_one()
        if msg.status != "queued":
            return msg
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sms_id} still queued")
