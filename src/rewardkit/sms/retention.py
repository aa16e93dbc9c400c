"""What the sms table keeps: final messages (sent, failed, canceled) for REWARDKIT_RETENTION_SMS_DAYS;
a queued message is work still to do and is never purged."""

from __future__ import annotations

from datetime import timedelta

from rewardkit.kit.retention import Purge
from rewardkit.sms.models import FINAL, SmsMessage

MESSAGES = Purge(
    "sms messages",
    SmsMessage,
    keep=lambda s: timedelta(days=s.retention_sms_days),
    where=lambda cutoff: SmsMessage.status.in_(FINAL) & (SmsMessage.updated_at < cutoff),
)

RULES = (MESSAGES,)
