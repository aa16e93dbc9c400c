"""Supplier reconciliation (#16): a supplier's statement matched line by line against our orders, the
differences resolved with ledger adjustments and kept in an audit trail."""

from rewardkit.kit.module import Module
from rewardkit.reconciliation.api import CSV, MAX_STATEMENT_BYTES, router
from rewardkit.reconciliation.cli import reconcile_app
from rewardkit.reconciliation.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.reconciliation.models import Reconciliation, ReconciliationLine, ReconciliationResolution

MODULE = Module(
    name="reconciliation",
    routers=(router,),
    tags=(
        {
            "name": "Reconciliation",
            "description": "Supplier statements matched against our orders; differences resolved with adjustments.",
        },
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    # The statement is the body, as CSV, up to 20 MB (a 100,000-line statement is some 6 MB).
    body_limits={"/v1/reconciliations": MAX_STATEMENT_BYTES},
    body_media_types={"/v1/reconciliations": (CSV,)},
    tables=(Reconciliation, ReconciliationLine, ReconciliationResolution),
    cli=(("reconcile", reconcile_app),),
)
