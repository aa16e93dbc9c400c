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
