"""The problems of reward points, each with a stable code (documented at /problems/{code})."""

from rewardkit.kit.errors import Problem


class PointsProgramNotFound(Problem):
    """Also another org's program, or a live program asked with a test key."""

    status, code, title = 404, "points_program_not_found", "No such points program"


class PointsMemberNotFound(Problem):
    status, code, title = 404, "points_member_not_found", "No such member in this points program"


class PointsTransactionNotFound(Problem):
    status, code, title = 404, "points_transaction_not_found", "No such points transaction"


class InsufficientPoints(Problem):
    """The debit is more than the member's available points (pending points cannot be spent)."""

    status, code, title = 422, "insufficient_points", "The member does not have enough available points"


class ReferenceReused(Problem):
    """The reference names an earlier credit or debit of the program made with another request."""

    status, code, title = 409, "reference_reused", "This reference was already used with a different request"


class ProgramLocked(Problem):
    """currency, funding and points_per_unit are fixed once the program has credited points."""

    status, code, title = 409, "program_locked", "This field cannot change once points exist"


class PointsAlreadySpent(Problem):
    """Reversing the credit would take the member below zero, and the program does not allow it."""

    status, code, title = 409, "points_already_spent", "The credit's points were already spent"


class NotReversible(Problem):
    """Only credits and debits can be reversed, once."""

    status, code, title = 409, "points_transaction_not_reversible", "This points transaction cannot be reversed"


class RedemptionNotReversible(Problem):
    """A redemption's debit paid for an order: reversing it would give the points back while the member
    keeps the voucher. Refund or cancel the order instead: its points come back then, once."""

    status, code, title = 409, "points_redemption_not_reversible", "A redemption's debit cannot be reversed"


class NotPending(Problem):
    status, code, title = 409, "points_not_pending", "This credit is not pending"


# --- #14 redemptions (redemptions.py) ---------------------------------------------------------------


class PointsNotWhole(Problem):
    """The denomination times the program's points_per_unit is not a whole number of points: redemptions
    never round (docs/points.md#redemptions)."""

    status, code, title = 422, "points_not_whole", "This denomination is not a whole number of points"


class RedemptionCurrencyMismatch(Problem):
    """A redemption's denomination is in the program's currency (its points are worth that currency)."""

    status, code, title = 422, "redemption_currency_mismatch", "Redeem in the program's currency"
