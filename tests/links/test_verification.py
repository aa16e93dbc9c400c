"""Email one-time codes (#13, verification "email_otp"): a link that asks for one hides its choices and
refuses claims until the code emailed to its recipient is checked; wrong codes are counted, the fifth
kills the code; sends are throttled. The code is read from the queued email itself. Both databases."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.links import verification as verify
from rewardkit.links.models import LinkVerification
from rewardkit.mailbox.service import Outgoing
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import create, problem, token_of, usd

# The code stands on a line of its own in the otp email (mailbox/templates/email/otp.txt); matched so,
# never as "any 6 digits", which the org's name ("Org 482913") may also be.
CODE_LINE = re.compile(r"^\s+(\d{6})\s*$", re.M)
REDEEM = {"product_id": "amazon_us", "denomination": 25, "currency": "USD"}


async def emailed_codes(ctx: Runtime, link_id: str) -> list[tuple[str, str]]:
    """(recipient, code) of every OTP email queued for the link, oldest first."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        jobs = (await s.execute(select(Job).where(Job.kind == "mail.send").order_by(Job.id))).scalars().all()
    out = []
    for job in jobs:
        if str(job.payload.get("ref", "")).startswith(f"{link_id}:otp:"):
            mail = Outgoing.unseal(ctx.keyring, job.payload["message"])
            found = re.search(CODE_LINE, mail.text)
            assert found, mail.text
            out.append((mail.to, found.group(1)))
    return out


async def age_codes(ctx: Runtime, link_id: str, seconds: float) -> None:
    """Move the link's codes into the past (the resend throttle and the hourly cap count sent_at)."""
    async with ctx.db.unit_of_work() as s:
        rows = (await s.execute(select(LinkVerification).where(LinkVerification.link_id == link_id))).scalars()
        for row in rows:
            row.sent_at = row.sent_at - timedelta(seconds=seconds)


async def otp_link(client: httpx.AsyncClient, make_org: MakeOrg, **over: Any) -> tuple[Any, dict[str, Any], str]:
    org = await make_org(USD="100.00")
    link = await create(client, org, verification="email_otp", **over)
    return org, link, token_of(link)


async def test_an_otp_link_hides_its_choices_until_the_emailed_code_is_checked(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org, link, token = await otp_link(client, make_org)
    assert link["verification"] == "email_otp"
    seen = (await client.get(f"/v1/link_claims/{token}")).json()
    assert seen["verification"] == "email_otp" and seen["verification_required"] is True
    assert seen["choices"] == [] and seen["value"]["minor_units"] == 2500  # value, sender, message: shown
    problem(await client.post(f"/v1/link_claims/{token}/redeem", json=REDEEM), 403, "verification_required")

    r = await client.post(f"/v1/link_claims/{token}/verification")
    assert r.status_code == 200, r.text
    sent = r.json()
    assert sent["object"] == "link_verification" and sent["sent_to"] == "a***@example.com" and sent["attempts"] == 5
    [(to, code)] = await emailed_codes(ctx, link["id"])
    assert to == "ada@example.com"
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = (await s.execute(select(LinkVerification).where(LinkVerification.link_id == link["id"]))).scalar_one()
    assert code not in row.code_hash and len(row.code_hash) == 64  # only an HMAC is kept

    r = await client.post(f"/v1/link_claims/{token}/verification/check", json={"code": code})
    assert r.status_code == 200, r.text
    grant = r.json()
    assert grant["object"] == "link_verification_grant"
    h = {verify.HEADER: grant["verification_token"]}
    seen = (await client.get(f"/v1/link_claims/{token}", headers=h)).json()
    assert seen["verification_required"] is False and [c["id"] for c in seen["choices"]] == ["amazon_us"]
    # The code is spent: checking it again finds nothing waiting.
    again = await client.post(f"/v1/link_claims/{token}/verification/check", json={"code": code})
    problem(again, 422, "verification_code_expired")
    r = await client.post(f"/v1/link_claims/{token}/redeem", json=REDEEM, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["order"]["status"] == "fulfilled"
    assert await usd(client, org) == (7500, 0, 0)


async def test_a_verification_token_opens_only_its_own_link_and_a_forged_one_nothing(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    _, first, token = await otp_link(client, make_org)
    _, second, other = await otp_link(client, make_org)
    await client.post(f"/v1/link_claims/{token}/verification")
    [(_, code)] = await emailed_codes(ctx, first["id"])
    grant = (await client.post(f"/v1/link_claims/{token}/verification/check", json={"code": code})).json()
    for value in (grant["verification_token"], "9999999999.deadbeef", "nonsense", "1.2"):
        r = await client.post(f"/v1/link_claims/{other}/redeem", json=REDEEM, headers={verify.HEADER: value})
        problem(r, 403, "verification_required")
    expired, _ = verify.grant(ctx.keyring, first["id"], utcnow() - verify.GRANT_LIFETIME - timedelta(seconds=5))
    problem(
        await client.post(f"/v1/link_claims/{token}/redeem", json=REDEEM, headers={verify.HEADER: expired}),
        403,
        "verification_required",
    )
    assert second["status"] == "created"


async def test_wrong_codes_count_down_and_the_fifth_kills_the_code(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    _, link, token = await otp_link(client, make_org)
    await client.post(f"/v1/link_claims/{token}/verification")
    [(_, code)] = await emailed_codes(ctx, link["id"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    check = f"/v1/link_claims/{token}/verification/check"
    for left in (4, 3, 2, 1):
        body = problem(await client.post(check, json={"code": wrong}), 422, "verification_code_invalid")
        assert body["attempts_left"] == left
    problem(await client.post(check, json={"code": wrong}), 423, "verification_locked")
    # Dead: even the right code is refused now, and nothing more is counted.
    problem(await client.post(check, json={"code": code}), 423, "verification_locked")
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = (await s.execute(select(LinkVerification).where(LinkVerification.link_id == link["id"]))).scalar_one()
    assert row.attempts == 5 and row.verified_at is None
    # A new code (after the resend interval) works.
    problem(await client.post(f"/v1/link_claims/{token}/verification"), 429, "verification_throttled")
    await age_codes(ctx, link["id"], 61)
    assert (await client.post(f"/v1/link_claims/{token}/verification")).status_code == 200
    [_, (_, fresh)] = await emailed_codes(ctx, link["id"])
    assert (await client.post(check, json={"code": fresh})).status_code == 200


async def test_sends_are_throttled_and_capped_per_hour(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    _, link, token = await otp_link(client, make_org)
    send = f"/v1/link_claims/{token}/verification"
    assert (await client.post(send)).status_code == 200
    r = await client.post(send)
    problem(r, 429, "verification_throttled")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    for _ in range(ctx.settings.link_otp_per_hour - 1):
        await age_codes(ctx, link["id"], 61)
        assert (await client.post(send)).status_code == 200
    await age_codes(ctx, link["id"], 61)
    r = await client.post(send)
    body = problem(r, 429, "verification_throttled")
    assert "last hour" in body["detail"] and int(r.headers["retry-after"]) > 60
    assert len(await emailed_codes(ctx, link["id"])) == ctx.settings.link_otp_per_hour
    # Only the newest code counts: an older one is dead.
    codes = [c for _, c in await emailed_codes(ctx, link["id"])]
    if codes[0] != codes[-1]:
        r = await client.post(f"{send}/check", json={"code": codes[0]})
        problem(r, 422, "verification_code_invalid")


async def test_an_expired_code_must_be_sent_again(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    _, link, token = await otp_link(client, make_org)
    check = f"/v1/link_claims/{token}/verification/check"
    problem(await client.post(check, json={"code": "123456"}), 422, "verification_code_expired")  # none sent
    await client.post(f"/v1/link_claims/{token}/verification")
    [(_, code)] = await emailed_codes(ctx, link["id"])
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(LinkVerification)
            .where(LinkVerification.link_id == link["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    problem(await client.post(check, json={"code": code}), 422, "verification_code_expired")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 345", 123456, None])
async def test_a_malformed_code_is_a_validation_error_and_costs_no_attempt(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, code: Any
) -> None:
    _, link, token = await otp_link(client, make_org)
    await client.post(f"/v1/link_claims/{token}/verification")
    r = await client.post(f"/v1/link_claims/{token}/verification/check", json={"code": code})
    problem(r, 422, "validation_error")
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = (await s.execute(select(LinkVerification).where(LinkVerification.link_id == link["id"]))).scalar_one()
    assert row.attempts == 0


async def test_email_otp_needs_a_recipient_email_and_a_known_value(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    body = {"value": 25, "currency": "USD", "choice": {"products": ["amazon_us"]}, "verification": "email_otp"}
    r = await client.post("/v1/reward_links", json=body, headers=org.h())
    problem(r, 422, "validation_error")
    r = await client.post("/v1/reward_links", json={**body, "verification": "sms_otp"}, headers=org.h())
    problem(r, 422, "validation_error")
    assert await usd(client, org) == (10000, 0, 0)  # nothing reserved


async def test_links_without_verification_refuse_the_verification_calls(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    link = await create(client, org)
    token = token_of(link)
    assert link["verification"] == "none"
    seen = (await client.get(f"/v1/link_claims/{token}")).json()
    assert seen["verification"] == "none" and seen["verification_required"] is False and seen["choices"]
    problem(await client.post(f"/v1/link_claims/{token}/verification"), 409, "verification_not_enabled")
    r = await client.post(f"/v1/link_claims/{token}/verification/check", json={"code": "123456"})
    problem(r, 409, "verification_not_enabled")
    assert await emailed_codes(ctx, link["id"]) == []


async def test_verification_of_closed_or_unknown_links(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org, link, token = await otp_link(client, make_org)
    assert (await client.post(f"/v1/reward_links/{link['id']}/cancel", headers=org.h())).status_code == 200
    problem(await client.post(f"/v1/link_claims/{token}/verification"), 410, "reward_link_canceled")
    r = await client.post(f"/v1/link_claims/{token}/verification/check", json={"code": "123456"})
    problem(r, 410, "reward_link_canceled")
    forged = "A" * 32
    problem(await client.post(f"/v1/link_claims/{forged}/verification"), 404, "reward_link_not_found")
    r = await client.post(f"/v1/link_claims/{forged}/verification/check", json={"code": "123456"})
    problem(r, 404, "reward_link_not_found")
