"""Request and response bodies of the email templates API (docs/email.md "An org's own templates")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from rewardkit.kit.responses import ResponseModel
from rewardkit.kit.schemas import RequestModel

# A request body is at most REWARDKIT_MAX_BODY_BYTES (64 KiB by default), and a character can take 12
# bytes of JSON (an escaped surrogate pair): a part one character over this limit still arrives as a
# body, and is refused as the 422 that names it rather than a 413. Extending the built-in layout
# (`{% extends "_base.html" %}`) keeps an HTML template well within it.
MAX_BODY_CHARS = 5000

Kind = Literal["link", "reminder", "otp"]
Part = Literal["subject", "text", "html"]

TEMPLATE_EXAMPLE: dict[str, Any] = {
    "object": "email_template",
    "kind": "link",
    "subject": "{{ sender_name or brand.name }} sent you {{ value }}",
    "text": "Hi {{ recipient_name or 'there' }}, open {{ url }} to choose your reward.",
    "html": '{% extends "_base.html" %}{% block content %}<p>Open <a href="{{ url }}">your reward</a>.</p>'
    "{% endblock %}",
    "custom_parts": ["subject"],
    "variables": ["brand", "recipient_name", "sender_name", "message", "url", "value", "expires_at"],
    "updated_at": "2026-12-01T16:00:00Z",
}


class EmailTemplateReplace(RequestModel):
    """The org's own templates of one kind: a part sent replaces the built-in one, a part left out (or
    null) is the built-in one. Jinja2 syntax, rendered in a sandbox with the kind's variables only."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"subject": "{{ sender_name or brand.name }} sent you {{ value }}"}]}
    )

    subject: str | None = Field(default=None, min_length=1, max_length=998, description="One line once rendered")
    text: str | None = Field(
        default=None, min_length=1, max_length=MAX_BODY_CHARS, description="The plain-text body"
    )
    html: str | None = Field(
        default=None, min_length=1, max_length=MAX_BODY_CHARS, description="The HTML body; values are escaped"
    )


class EmailTemplateOut(ResponseModel):
    model_config = ConfigDict(**ResponseModel.model_config, json_schema_extra={"examples": [dict(TEMPLATE_EXAMPLE)]})

    object: Literal["email_template"] = "email_template"
    kind: Kind
    subject: str = Field(description="The template in use: the org's own, or the built-in one")
    text: str
    html: str
    custom_parts: list[Part] = Field(description="The parts that are the org's own; the others are built in")
    variables: list[str] = Field(description="What the templates of this kind may use")
    updated_at: datetime | None = Field(description="When the org last saved its own; null: all built in")
