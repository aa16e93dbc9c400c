"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST
from rewardkit.orders.examples import ORDER

PROGRAM: dict[str, Any] = {
    "id": "ppg_01m8ac0j59y5hwxskkmbyqbyg0",
    "object": "points_program",
    "livemode": False,
    "name": "Acme Rewards",
    "currency": "USD",
    "points_per_unit": 100,
    "expiry": {"months": 12, "round_to": "month_end"},
    "pending_days": 0,
    "funding": "prefunded",
    "allow_negative": False,
    "expiring_notice_days": 30,
    "asset": "PTS_0J59Y5HWXSKKMBYQBYG0",
    "outstanding_points": 1500,
    "backing": {"currency": "USD", "minor_units": 1500, "value": "15.00"},
    "created_at": "2026-11-25T22:07:55.561Z",
    "updated_at": "2026-11-25T22:07:55.561Z",
}
MEMBER: dict[str, Any] = {
    "id": "user_42",
    "object": "points_member",
    "livemode": False,
    "program_id": PROGRAM["id"],
    "email": "ada@example.com",
    "name": "Ada",
    "country": "US",
    "metadata": {"plan": "pro"},
    "balance": {"available": 1500, "pending": 0, "lifetime_earned": 2000},
    "expiring": [
        {
            "lot_id": "plt_01m8ac0m2a4t7c9kzq2v3b5n6r",
            "points": 1500,
            "status": "available",
            "expires_at": "2027-12-01T00:00:00Z",
        }
    ],
    "tier": None,
    "created_at": "2026-11-25T22:07:55.561Z",
    "updated_at": "2026-11-25T22:09:12.004Z",
}
CREDIT: dict[str, Any] = {
    "id": "ptx_01m8ac0m2a0vq3f8e4r5t6y7u8",
    "object": "points_transaction",
    "livemode": False,
    "program_id": PROGRAM["id"],
    "member_id": "user_42",
    "type": "credit",
    "points": 2000,
    "balance_after": 2000,
    "pending_after": 0,
    "status": "available",
    "reason": "Task complete",
    "reference": "task-981",
    "lots": [{"lot_id": "plt_01m8ac0m2a4t7c9kzq2v3b5n6r", "points": 2000}],
    "reverses": None,
    "reversed_by": None,
    "expires_at": "2027-12-01T00:00:00Z",
    "available_at": "2026-11-25T22:08:10.120Z",
    "cash": {"currency": "USD", "minor_units": 2000, "value": "20.00"},
    "created_at": "2026-11-25T22:08:10.120Z",
}
DEBIT: dict[str, Any] = {
    **CREDIT,
    "id": "ptx_01m8ac0p7d2e3f4g5h6j7k8m9n",
    "type": "debit",
    "points": 500,
    "balance_after": 1500,
    "status": None,
    "reason": "Discount at checkout",
    "reference": "checkout-77",
    "lots": [{"lot_id": "plt_01m8ac0m2a4t7c9kzq2v3b5n6r", "points": 500}],
    "expires_at": None,
    "available_at": None,
    "cash": {"currency": "USD", "minor_units": -500, "value": "-5.00"},
    "created_at": "2026-11-25T22:09:12.004Z",
}
REVERSAL: dict[str, Any] = {
    **DEBIT,
    "id": "ptx_01m8ac0r1s2t3v4w5x6y7z8a9b",
    "type": "reversal",
    "balance_after": 2000,
    "reason": None,
    "reference": None,
    "reverses": DEBIT["id"],
    "cash": {"currency": "USD", "minor_units": 500, "value": "5.00"},
}
RESPONSES: dict[str, Any] = {
    "createPointsProgram": PROGRAM,
    "getPointsProgram": PROGRAM,
    "updatePointsProgram": PROGRAM,
    "listPointsPrograms": {**LIST, "data": [PROGRAM]},
    "putPointsMember": MEMBER,
    "getPointsMember": MEMBER,
    "listPointsMembers": {**LIST, "data": [MEMBER]},
    "createPointsCredit": CREDIT,
    "createPointsDebit": DEBIT,
    "listPointsTransactions": {**LIST, "data": [DEBIT, CREDIT]},
    "getPointsTransaction": CREDIT,
    "reversePointsTransaction": REVERSAL,
    "releasePointsCredit": CREDIT,
}

RULE: dict[str, Any] = {
    "id": "prl_01m8ac0t3v5w7x9yzb2c4d6f8g",
    "object": "points_rule",
    "livemode": False,
    "program_id": PROGRAM["id"],
    "event_type": "order.paid",
    "description": "2 points per dollar on web and app orders",
    "points": {"fixed": None, "per_unit": {"property": "amount", "points": 2, "per": 1}},
    "conditions": [{"property": "channel", "op": "in", "value": ["web", "app"]}],
    "daily_cap": 500,
    "monthly_cap": 5000,
    "starts_at": None,
    "ends_at": None,
    "created_at": "2026-11-25T22:10:00.000Z",
    "updated_at": "2026-11-25T22:10:00.000Z",
}
ACTIVITY: dict[str, Any] = {
    "id": "pac_01m8ac0w4x6y8z0ab3c5d7e9fh",
    "object": "points_activity",
    "livemode": False,
    "program_id": PROGRAM["id"],
    "member_id": "user_42",
    "event_type": "order.paid",
    "properties": {"amount": 42.5, "channel": "web"},
    "reference": "order-981",
    "occurred_at": "2026-11-25T22:11:00.000Z",
    "points": 85,
    "credits": [
        {
            "rule_id": RULE["id"],
            "points": 85,
            "requested_points": 85,
            "transaction_id": "ptx_01m8ac0w4y1z2a3b4c5d6e7f8g",
        }
    ],
    "created_at": "2026-11-25T22:11:00.120Z",
}
TIERS: dict[str, Any] = {
    "object": "points_tiers",
    "program_id": PROGRAM["id"],
    "tiers": [{"name": "Silver", "min_points": 1000}, {"name": "Gold", "min_points": 5000}],
    "window_months": 12,
    "downgrade": "end_of_period",
    "updated_at": "2026-11-25T22:12:00.000Z",
}
RESPONSES |= {
    "createPointsRule": RULE,
    "getPointsRule": RULE,
    "updatePointsRule": RULE,
    "listPointsRules": {**LIST, "data": [RULE]},
    "deletePointsRule": {"id": RULE["id"], "object": "points_rule", "deleted": True},
    "createPointsActivity": ACTIVITY,
    "listPointsActivities": {**LIST, "data": [ACTIVITY]},
    "putPointsTiers": TIERS,
    "getPointsTiers": TIERS,
    "deletePointsTiers": TIERS,
}


# --- #14 redemptions and batch credits ----------------------------------------------------------------

REDEEM_DEBIT: dict[str, Any] = {
    **DEBIT,
    "id": "ptx_01m8ac0t4u5v6w7x8y9z0a1b2c",
    "points": 2500,
    "balance_after": 500,
    "reason": "Redemption: amazon_us 25 USD",
    "reference": f"redemption:{ORDER['id']}",
    "lots": [{"lot_id": "plt_01m8ac0m2a4t7c9kzq2v3b5n6r", "points": 2500}],
    "cash": {"currency": "USD", "minor_units": -2500, "value": "-25.00"},
}
REDEMPTION: dict[str, Any] = {
    "object": "points_redemption",
    "livemode": False,
    "program_id": PROGRAM["id"],
    "member_id": "user_42",
    "points": 2500,
    "transaction": REDEEM_DEBIT,
    "order": {
        **ORDER,
        "metadata": {
            "points_program": PROGRAM["id"],
            "points_member": "user_42",
            "points_transaction": REDEEM_DEBIT["id"],
        },
    },
    "returned": None,
}
CREDIT_BATCH: dict[str, Any] = {
    "object": "points_credit_batch",
    "livemode": False,
    "program_id": PROGRAM["id"],
    "credited": 1,
    "replayed": 0,
    "failed": 1,
    "points": CREDIT["points"],
    "data": [
        {"index": 0, "status": "credited", "transaction": CREDIT, "error": None},
        {
            "index": 1,
            "status": "failed",
            "transaction": None,
            "error": {
                "type": "/problems/points_member_not_found",
                "title": "No such member in this points program",
                "status": 404,
                "detail": "No member 'user_43' in points program ppg_01m8ac0j59y5hwxskkmbyqbyg0: PUT it first "
                "(batches never create members).",
                "code": "points_member_not_found",
            },
        },
    ],
}
RESPONSES["createPointsRedemption"] = REDEMPTION
RESPONSES["createPointsCreditBatch"] = CREDIT_BATCH

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own. The member is the one the activity and batch examples name (user_42).
REQUEST_EXAMPLES: dict[str, Any] = {
    "updatePointsProgram": {"name": "Acme Rewards Plus"},
    "putPointsMember": {"email": "ada@example.com", "name": "Ada", "country": "US", "metadata": {"crm_id": "c-981"}},
    "createPointsCredit": {"points": 500, "reason": "Welcome bonus", "reference": "welcome-user_42"},
    "createPointsDebit": {"points": 100, "reason": "Manual adjustment", "reference": "adjust-user_42"},
    "updatePointsRule": {"daily_cap": 1000},
}
