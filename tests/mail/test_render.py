"""Email templates (mailbox/render.py): a subject, a plain-text body and an HTML twin per kind, in the
org's branding, with every value escaped in HTML, and org overrides rendered in the sandbox."""

from __future__ import annotations

import pytest

from rewardkit.auth.service import Branding
from rewardkit.mailbox.errors import EmailTemplateInvalid
from rewardkit.mailbox.render import render_email

BRAND = Branding(
    "org_1", "Acme Inc", "Acme Rewards", "https://cdn.acme.example/logo.png", "#1a73e8", "help@acme.example"
)
LINK = {
    "recipient_name": "Ada",
    "sender_name": "Bob & Co",
    "message": "<script>alert(1)</script> Thanks!",
    "url": "https://rewards.acme.example/l/tok_123",
    "value": "$25.00",
    "expires_at": "2027-03-01",
}


def test_a_link_email_has_subject_text_and_html_with_the_orgs_branding() -> None:
    subject, text, html = render_email("link", LINK, BRAND)
    assert subject == "Bob & Co sent you a reward of $25.00"
    assert "Hi Ada," in text and "https://rewards.acme.example/l/tok_123" in text and "2027-03-01" in text
    assert "help@acme.example" in text and "Acme Rewards" in text
    assert 'href="https://rewards.acme.example/l/tok_123"' in html
    assert "#1a73e8" in html and 'src="https://cdn.acme.example/logo.png"' in html
    assert "mailto:help@acme.example" in html


def test_html_escapes_context_values_and_text_does_not() -> None:
    _, text, html = render_email("link", LINK, BRAND)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bob &amp; Co" in html
    assert "<script>alert(1)</script> Thanks!" in text  # plain text is not HTML: shown as written
    assert "Bob & Co" in text


def test_without_branding_the_email_is_unbranded_but_complete() -> None:
    subject, text, html = render_email("link", {**LINK, "sender_name": None}, None)
    assert subject == "rewardkit sent you a reward of $25.00" and "<img" not in html


def test_reminder_and_otp_render() -> None:
    subject, text, _ = render_email("reminder", {**LINK, "days_left": 3}, BRAND)
    assert subject == "Reminder: your $25.00 reward expires in 3 days" and LINK["url"] in text
    subject, text, html = render_email("otp", {"code": "482913", "minutes": 10}, BRAND)
    assert subject == "482913 is your Acme Rewards verification code" and "482913" in text and "482913" in html


def test_an_unknown_kind_or_variable_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        render_email("invoice", {}, BRAND)
    with pytest.raises(ValueError):
        render_email("otp", {"code": "1", "password": "x"}, BRAND)


def test_an_override_renders_in_the_sandbox_with_the_same_variables() -> None:
    subject, text, html = render_email(
        "link", LINK, BRAND,
        {"subject": "A gift for {{ recipient_name }}", "html": "<a href='{{ url }}'>{{ message }}</a>"},
    )  # fmt: skip
    assert subject == "A gift for Ada"
    assert html == "<a href='https://rewards.acme.example/l/tok_123'>&lt;script&gt;alert(1)&lt;/script&gt; Thanks!</a>"
    assert "Hi Ada," in text  # the part it does not override is the built-in one


@pytest.mark.parametrize(
    "source",
    [
        "{{ recipient_nmae }}",  # a variable the kind does not have
        "{% if %}",  # a syntax error
        "{{ brand.__class__.__mro__ }}",  # the sandbox refuses Python internals
        "{{ ''.__class__ }}",
    ],
)
def test_an_override_that_does_not_render_is_refused_naming_the_part(source: str) -> None:
    with pytest.raises(EmailTemplateInvalid) as err:
        render_email("link", LINK, BRAND, {"html": source})
    assert err.value.errors and err.value.errors[0]["field"] == "html"


def test_a_subject_is_one_line_whatever_the_template_makes() -> None:
    subject, _, _ = render_email("link", LINK, BRAND, {"subject": "Line one\nBcc: eve@example.com"})
    assert "\n" not in subject


@pytest.mark.parametrize(
    "source",
    [
        "{% for c in message %}{% for d in message %}x{% endfor %}{% endfor %}",
        "{{ 'x' * 1000 }}",
        "{{ 'x'|center(100000000) }}",
        "{% set a = message ~ message %}{{ a }}",
        "{{ '%9999s'|format(1) }}",
        "{{ range(10) }}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    ],
)
def test_an_override_cannot_spend_the_servers_cpu_or_memory(source: str) -> None:
    with pytest.raises(EmailTemplateInvalid):
        render_email("link", LINK, BRAND, {"text": source})


def test_an_absent_optional_variable_prints_as_nothing_not_none() -> None:
    # An org's subject naming variables the send does not have (issue #13 review): "None" must not show.
    override = {"subject": "Hey {{ recipient_name }} from {{ sender_name }}", "text": "{{ message }}|",
                "html": "<p>{{ recipient_name }}</p>"}  # fmt: skip
    context = {**LINK, "recipient_name": None, "sender_name": None, "message": None}
    subject, text, html = render_email("link", context, BRAND, override)
    assert subject == "Hey from" and text == "|" and html == "<p></p>"
    # The built-in templates too: no "None" anywhere when every optional variable is absent.
    otp = {"code": "1", "minutes": 10}
    for kind, ctx in (("link", context), ("reminder", {**context, "days_left": 3}), ("otp", otp)):
        assert not any("None" in part for part in render_email(kind, ctx, None))
