"""A link's final deliveries go after REWARDKIT_RETENTION_LINK_DELIVERIES_DAYS, a queued one never; an
expired one-time code goes after REWARDKIT_RETENTION_LINK_VERIFICATIONS_DAYS; the link stays."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from rewardkit.kit.db import utcnow
from rewardkit.kit.retention import purge
from rewardkit.links.models import LinkDelivery, LinkVerification, RewardLink
from rewardkit.links.retention import DELIVERIES, VERIFICATIONS
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import create, token_of


async def test_old_final_deliveries_and_dead_codes_go_and_the_link_stays(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org, delivery="email", verification="email_otp")
    for _ in range(2):
        assert (await client.post(f"/v1/reward_links/{link['id']}/resend", headers=org.h())).status_code == 200
    r = await client.post(f"/v1/link_claims/{token_of(link)}/verification")
    assert r.status_code == 200, r.text
    async with ctx.db.unit_of_work() as s:
        ids = list(
            (
                await s.execute(
                    select(LinkDelivery.id).where(LinkDelivery.link_id == link["id"]).order_by(LinkDelivery.id)
                )
            ).scalars()
        )
        assert len(ids) == 3
        old_sent, old_queued, recent = ids
        aged = utcnow() - timedelta(days=ctx.settings.retention_link_deliveries_days + 1)
        await s.execute(update(LinkDelivery).where(LinkDelivery.id.in_((old_sent, old_queued))).values(updated_at=aged))
        await s.execute(update(LinkDelivery).where(LinkDelivery.id.in_((old_sent, recent))).values(status="sent"))
        await s.execute(update(LinkDelivery).where(LinkDelivery.id == old_queued).values(status="queued"))
        dead = utcnow() - timedelta(days=ctx.settings.retention_link_verifications_days + 1)
        await s.execute(update(LinkVerification).where(LinkVerification.link_id == link["id"]).values(expires_at=dead))
    assert DELIVERIES.keep(ctx.settings) == timedelta(days=90)
    for rule in (DELIVERIES, VERIFICATIONS):
        await purge(ctx.db, rule, utcnow() - rule.keep(ctx.settings), batch=100, max_batches=10)
    async with ctx.db.unit_of_work(readonly=True) as s:
        left = set((await s.execute(select(LinkDelivery.id).where(LinkDelivery.link_id == link["id"]))).scalars())
        assert left == {old_queued, recent}
        codes = (await s.execute(select(LinkVerification).where(LinkVerification.link_id == link["id"]))).all()
        assert codes == []
        assert (await s.get(RewardLink, link["id"])) is not None
    r = await client.get(f"/v1/reward_links/{link['id']}/deliveries", headers=org.h())
    assert r.status_code == 200 and {d["id"] for d in r.json()["data"]} == {old_queued, recent}
