"""The problems of supplier reconciliation, each with a stable code (documented at /problems/{code})."""

from rewardkit.kit.errors import Problem


class ReconciliationNotFound(Problem):
    """Also another org's reconciliation, or a live one asked with a test key."""

    status, code, title = 404, "reconciliation_not_found", "No such reconciliation"


class ReconciliationLineNotFound(Problem):
    status, code, title = 404, "reconciliation_line_not_found", "No such line in this reconciliation"


class UnknownSupplier(Problem):
    """`supplier` names no supplier of this installation (the sandbox, or one of the suppliers file)."""

    status, code, title = 422, "reconciliation_supplier_unknown", "No such supplier"


class UnknownMapping(Problem):
    """`mapping` names no built-in statement mapping (docs/reconciliation.md#mappings)."""

    status, code, title = 422, "reconciliation_mapping_unknown", "No such statement mapping"


class StatementEncoding(Problem):
    """The statement is not UTF-8 (a byte order mark is tolerated): `line` and `byte` say where."""

    status, code, title = 422, "statement_encoding", "The statement is not UTF-8"


class StatementInvalid(Problem):
    """The statement cannot be read with its mapping: no rows, missing columns, ragged rows, a bad
    amount, date or currency, a duplicate reference. `errors` lists the first ones, each with its line."""

    status, code, title = 422, "statement_invalid", "The statement cannot be read"


class LineNotResolvable(Problem):
    """A matched line has nothing to resolve."""

    status, code, title = 409, "reconciliation_line_not_resolvable", "This line matched: nothing to resolve"


class LineAlreadyResolved(Problem):
    """Every line is resolved once; its resolution is part of the audit trail and never changes."""

    status, code, title = 409, "reconciliation_line_resolved", "This line is already resolved"
