from rewardkit.kit.errors import Problem


class InsufficientFunds(Problem):
    status, code, title = 402, "insufficient_funds", "Insufficient funds"
    # (org_id, mode) whose account ran short, for callers that post for several orgs at once
    # (ledger.post_many); not part of the problem body.
    scope: tuple[str, str] | None = None


class UnbalancedTransaction(Problem):
    status, code, title = 500, "unbalanced_transaction", "Ledger transaction does not balance"


class DuplicateReference(Problem):
    status, code, title = 409, "duplicate_ledger_reference", "This ledger reference was already booked"


# Not Problems (yet): no API route names an asset until Reward Points adds one, which maps them; today
# they are programming errors, and the public list of problem types stays as it is.
class AssetError(ValueError):
    """A bad asset definition (code, precision, or a code already defined with another precision)."""


class UnknownAsset(AssetError):
    """An asset that is neither an ISO 4217 currency nor defined by the org."""
