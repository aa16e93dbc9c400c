"""The mailbox domain's table (an org's own email templates) and constants. A queued email has no
table: it is its `mail.send` job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

SEND_JOB = "mail.send"

# The kinds of email, each a template set in templates/email/ ({kind}.subject.txt, {kind}.txt, {kind}.html).
LINK, REMINDER, OTP = "link", "reminder", "otp"
KINDS = (LINK, REMINDER, OTP)
# #16 reports: a scheduled report run's download link (built-in template only: not in the template API).
REPORT = "report"


class MailTemplate(Base):
    """An org's own templates for one kind (both modes, like its branding); a part left NULL is the
    built-in one. Stored only after it rendered with sample values (docs/email.md)."""

    __tablename__ = "mail_templates"

    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
