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
