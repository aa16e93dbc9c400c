"""Final messages are purged after REWARDKIT_RETENTION_SMS_DAYS; a queued one never is."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from rewardkit.kit.db import utcnow
from rewardkit.kit.retention import purge
from rewardkit.runtime import Runtime
from rewardkit.sms import service as sms
from rewardkit.sms.models import SmsMessage
from rewardkit.sms.retention import MESSAGES
from tests.conftest import MakeOrg


async def test_old_final_messages_go_and_queued_ones_stay(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        made = [
            await sms.queue_sms(s, ctx, org_id=org.id, mode="test", to="+15005550006", body="hi")
            for _ in range(3)
        ]
        old, recent, waiting = (m.id for m in made)
        assert await sms.cancel_sms(s, old) and await sms.cancel_sms(s, recent)
        aged = utcnow() - timedelta(days=ctx.settings.retention_sms_days + 1)
        await s.execute(update(SmsMessage).where(SmsMessage.id.in_((old, waiting))).values(updated_at=aged))
    assert MESSAGES.keep(ctx.settings) == timedelta(days=30)
    await purge(ctx.db, MESSAGES, utcnow() - MESSAGES.keep(ctx.settings), batch=100, max_batches=10)
    async with ctx.db.unit_of_work() as s:
        left = set((await s.execute(select(SmsMessage.id).where(SmsMessage.org_id == org.id))).scalars())
        assert left == {recent, waiting}
        assert await sms.cancel_sms(s, waiting)
