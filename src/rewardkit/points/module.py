"""The reward points domain: programs whose points are a ledger asset of their own, members' balances
held in ledger accounts, lots with expiry, credits, debits, reversals."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.points import redemptions, tasks
from rewardkit.points.api import router
from rewardkit.points.cli import points_app
from rewardkit.points.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.points.models import (
    EVENT_TYPES,
    EXPIRE_JOB,
    NOTICE_JOB,
    RELEASE_JOB,
    RULE_EVENT_TYPES,
    TIERS_JOB,
    PointsActivity,
    PointsLot,
    PointsMember,
    PointsMemberTier,
    PointsProgram,
    PointsRule,
    PointsRuleCredit,
    PointsTierPolicy,
    PointsTransaction,
)
from rewardkit.points.rules_api import router as rules_router

MODULE = Module(
    name="points",
    routers=(router, rules_router),
    tags=(
        {
            "name": "Reward points",
            "description": "Points programs: members' balances on the ledger, lots with expiry, credits and debits.",
        },
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    jobs={
        EXPIRE_JOB: tasks.expire,
        RELEASE_JOB: tasks.release,
        NOTICE_JOB: tasks.notice,
        TIERS_JOB: tasks.tiers_job,
        redemptions.RETURN_JOB: redemptions.return_job,  # #14 redemptions
    },
    events=(*EVENT_TYPES, *RULE_EVENT_TYPES, redemptions.POINTS_REDEEMED),
    # #14: an order a redemption paid for gives its points back when it is refunded or canceled.
    subscribers=(redemptions.on_order_events,),
    # #14: a batch of 1,000 credits is some 150 KB.
    body_limits={"/v1/points_programs/{program_id}/credits/batch": 1024 * 1024},
    tables=(
        PointsProgram,
        PointsMember,
        PointsLot,
        PointsTransaction,
        PointsRule,
        PointsActivity,
        PointsRuleCredit,
        PointsTierPolicy,
        PointsMemberTier,
    ),
    cli=(("points", points_app),),
    sealed=(Sealed(PointsMember, ("email",)),),
)
