"""The ledger domain: accounts, balanced transactions of postings, balances, wallets."""

from rewardkit.kit.metrics import ScrapeGauge
from rewardkit.kit.module import Module
from rewardkit.ledger import service
from rewardkit.ledger.api import router
from rewardkit.ledger.cli import ledger_app, wallets_app
from rewardkit.ledger.examples import RESPONSES
from rewardkit.ledger.models import EVENT_TYPES, Account, Asset, Posting, Transaction
from rewardkit.ledger.repository import AccountIds

MODULE = Module(
    name="ledger",
    routers=(router,),
    tags=({"name": "Balances", "description": "Prepaid wallets and their statements."},),
    examples=RESPONSES,
    events=EVENT_TYPES,
    tables=(Asset, Account, Transaction, Posting),
    cli=(("wallets", wallets_app), ("ledger", ledger_app)),
    resources=(AccountIds.open,),
    gauges=(
        ScrapeGauge(
            "rewardkit_ledger_verify_age_seconds",
            "Seconds since the last `rewardkit ledger verify` that found no break.",
            (),
            service.verify_age,
        ),
    ),
)
