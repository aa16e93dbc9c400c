"""GET/PUT/DELETE /v1/email_templates/{kind}: an org's own templates, checked by rendering before they
are saved, used by the emails it sends, and its own only."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from rewardkit.jobs.models import Job
from rewardkit.mailbox.models import MailTemplate
from rewardkit.mailbox.service import Outgoing, queue_email
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg

CONTEXT = {"recipient_name": "Ada", "url": "http://testserver/l/tok", "value": "$25.00", "expires_at": "2027-03-01"}


async def test_built_in_templates_are_shown_until_the_org_saves_its_own(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org()
    r = await client.get("/v1/email_templates/link", headers=org.h())
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "email_template" and body["kind"] == "link" and body["custom_parts"] == []
    assert "{{ url }}" in body["text"] and body["updated_at"] is None and "url" in body["variables"]


async def test_an_orgs_template_is_used_for_its_emails_and_only_its_own(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org, other = await make_org(), await make_org()
    put = await client.put(
        "/v1/email_templates/link", headers=org.h(),
        json={"subject": "Gift for {{ recipient_name }}", "html": "<p>{{ recipient_name }}: {{ url }}</p>"},
    )  # fmt: skip
    assert put.status_code == 200, put.text
    assert put.json()["custom_parts"] == ["subject", "html"] and put.json()["updated_at"]
    # live keys see the same: templates belong to the org, like its branding
    assert (await client.get("/v1/email_templates/link", headers=org.h("live"))).json()["subject"].startswith("Gift")
    assert (await client.get("/v1/email_templates/link", headers=other.h())).json()["custom_parts"] == []

    async def sent_subject(org_id: str) -> tuple[str, str]:
        async with ctx.db.unit_of_work() as s:
            job_id = await queue_email(s, ctx, org_id=org_id, mode="test", to="ada@example.com", kind="link",
                                       context={**CONTEXT, "recipient_name": "<Ada>"}, ref="t")  # fmt: skip
        async with ctx.db.unit_of_work(readonly=True) as s:
            job = await s.get(Job, job_id)
            assert job is not None
        out = Outgoing.unseal(ctx.keyring, job.payload["message"])
        return out.subject, out.html

    subject, html = await sent_subject(org.id)
    assert subject == "Gift for <Ada>" and html == "<p>&lt;Ada&gt;: http://testserver/l/tok</p>"
    subject, _ = await sent_subject(other.id)
    assert subject.endswith("sent you a reward of $25.00")

    reset = await client.delete("/v1/email_templates/link", headers=org.h())
    assert reset.status_code == 200 and reset.json()["custom_parts"] == []
    assert (await sent_subject(org.id))[0].endswith("sent you a reward of $25.00")


async def test_a_template_that_does_not_render_is_refused_and_nothing_is_saved(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org()
    for bad in ({"html": "{{ url.__class__.__mro__ }}"}, {"text": "{% for %}"}, {"subject": "{{ no_such_thing }}"},
                {"text": "{{ recipient_name.upper() }}"}):  # fmt: skip  # the last fails without a recipient name
        r = await client.put("/v1/email_templates/reminder", headers=org.h(), json=bad)
        assert r.status_code == 422 and r.json()["code"] == "email_template_invalid", (bad, r.text)
        assert r.json()["errors"][0]["field"] == next(iter(bad))
    async with ctx.db.unit_of_work(readonly=True) as s:
        count = await s.scalar(select(func.count()).select_from(MailTemplate).where(MailTemplate.org_id == org.id))
    assert count == 0


async def test_an_unknown_kind_or_field_is_a_422(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    assert (await client.get("/v1/email_templates/invoice", headers=org.h())).status_code == 422
    r = await client.put("/v1/email_templates/otp", headers=org.h(), json={"body": "x"})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_saving_twice_replaces(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    await client.put("/v1/email_templates/otp", headers=org.h(), json={"subject": "Code {{ code }}"})
    r = await client.put("/v1/email_templates/otp", headers=org.h(), json={"text": "Your code: {{ code }}"})
    assert r.json()["custom_parts"] == ["text"] and r.json()["subject"] != "Code {{ code }}"
