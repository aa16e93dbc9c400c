"""The problems queueing a text message can answer (rendered as problem+json by whoever calls it)."""

from rewardkit.kit.errors import Problem


class SmsUnavailable(Problem):
    """No SMS provider is configured for this mode (production with REWARDKIT_SMS_PROVIDER empty)."""

    status, code, title = 422, "sms_unavailable", "SMS delivery is not available on this server"


class InvalidPhoneNumber(Problem):
    status, code, title = 422, "invalid_phone_number", "The phone number cannot receive a text message"


class SmsBodyInvalid(Problem):
    status, code, title = 422, "sms_body_invalid", "The text message is empty or too long"
