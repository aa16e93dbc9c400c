"""The problems of reward links, each with a stable code (documented at /problems/{code})."""

from rewardkit.kit.errors import Problem


class RewardLinkNotFound(Problem):
    """Also the answer to a forged or mistyped claim token: a token that opens nothing looks exactly
    like one that never existed."""

    status, code, title = 404, "reward_link_not_found", "No such reward link"


class RewardLinkNotCancelable(Problem):
    status, code, title = 409, "reward_link_not_cancelable", "The reward link can no longer be canceled"


class RewardLinkExpired(Problem):
    status, code, title = 410, "reward_link_expired", "The reward link has expired"


class RewardLinkCanceled(Problem):
    status, code, title = 410, "reward_link_canceled", "The reward link was canceled"


class RewardLinkClaimed(Problem):
    status, code, title = 409, "reward_link_claimed", "The reward link was already claimed"


class ChoiceProductNotFound(Problem):
    status, code, title = 422, "choice_product_not_found", "A product of the choice does not exist"


class ChoiceBrandNotFound(Problem):
    """A brand of `choice.brands` that no product of the catalog has (in any country or currency)."""

    status, code, title = 422, "choice_brand_not_found", "A brand of the choice does not exist"


class ValueNotAllowed(Problem):
    """No product of the choice can be bought for the link's value (currency, country, denominations)."""

    status, code, title = 422, "value_not_allowed", "No product of the choice sells this value"


class InvalidExpiry(Problem):
    status, code, title = 422, "invalid_expiry", "The expiry is not allowed"


class DeliveryUnavailable(Problem):
    """`email` and `sms` delivery are not wired yet: a link is sent through the customer's own channel
    (`delivery: "none"`) until they are (docs/links.md)."""

    status, code, title = 422, "delivery_unavailable", "This delivery channel is not available"


class ProductNotInChoice(Problem):
    status, code, title = 422, "product_not_in_choice", "This product is not one of the link's choices"


class AmountNotAllowed(Problem):
    """The denomination asked is more than the link still holds, or (without allow_split) not its whole
    value."""

    status, code, title = 422, "amount_not_allowed", "The link does not cover this denomination"


# --- delivery (links/delivery.py) -------------------------------------------------------------------


class DeliveryRecipientMissing(Problem):
    """`delivery: "email"` needs `recipient.email`, `"sms"` needs `recipient.phone`; a resend of a
    link with `delivery: "none"` needs a channel the link has an address for, or `to`."""

    status, code, title = 422, "delivery_recipient_missing", "The delivery channel has no recipient address"


class RewardLinkClosed(Problem):
    status, code, title = 409, "reward_link_closed", "The reward link is claimed, expired or canceled"


class ResendRateLimited(Problem):
    """A link's message was resent as often as REWARDKIT_LINK_RESEND_LIMIT allows in its window: wait
    `Retry-After` seconds."""

    status, code, title = 429, "resend_rate_limited", "This link was resent too often"


class EmailDeliveryNotFound(Problem):
    status, code, title = 404, "email_delivery_not_found", "No email of this org matches the bounce"


# --- #13 the hosted page and email verification ------------------------------------------------------


class TooManyTokenFailures(Problem):
    """Too many unknown reward-link tokens from this client address (claim API and hosted page). Every
    token lookup from the address is refused, right token or not, until `Retry-After` seconds have passed."""

    status, code, title = 429, "too_many_token_failures", "Too many unknown link tokens"


class VerificationNotEnabled(Problem):
    status, code, title = 409, "verification_not_enabled", "This reward link needs no verification"


class VerificationRequired(Problem):
    """The link has `verification: "email_otp"`: check the code emailed to its recipient first, then send
    the verification token in the `Link-Verification` header."""

    status, code, title = 403, "verification_required", "Verify the recipient's email first"


class VerificationThrottled(Problem):
    """A code was sent a moment ago, or the link's codes for this hour are used up: wait `Retry-After`."""

    status, code, title = 429, "verification_throttled", "Too many verification codes"


class VerificationCodeInvalid(Problem):
    """`attempts_left` says how many more wrong codes this code takes before it is dead."""

    status, code, title = 422, "verification_code_invalid", "The verification code is wrong"


class VerificationCodeExpired(Problem):
    status, code, title = 422, "verification_code_expired", "No verification code is waiting"


class VerificationLocked(Problem):
    """Five wrong codes: this code is dead. Ask for a new one (POST .../verification)."""

    status, code, title = 423, "verification_locked", "Too many wrong codes"
