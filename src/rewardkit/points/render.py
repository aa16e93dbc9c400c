"""Programs, members and points transactions as the API shows them; each through its model, so a field
the code adds without its model fails at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.kit.money import exponent, money
from rewardkit.points.models import PointsLot, PointsMember, PointsProgram, PointsTransaction
from rewardkit.points.schemas import MemberOut, ProgramOut, TransactionOut

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


def backing_minor(program: PointsProgram, outstanding: int) -> int:
    """The cash a prefunded program holds for `outstanding` points, in minor units of its currency:
    outstanding / points_per_unit major units, rounded UP to the minor unit (docs/points.md#rounding), so
    the backing always covers the liability. Every movement moves backing(after) - backing(before): the
    account always holds exactly backing(outstanding), without drift."""
    return -(-outstanding * 10 ** exponent(program.currency) // program.points_per_unit)


def render_program(program: PointsProgram) -> dict[str, Any]:
    body = {
        "id": program.id,
        "livemode": program.mode == "live",
        "name": program.name,
        "currency": program.currency,
        "points_per_unit": program.points_per_unit,
        "expiry": None
        if program.expiry_months is None
        else {"months": program.expiry_months, "round_to": program.expiry_round_to},
        "pending_days": program.pending_days,
        "funding": program.funding,
        "allow_negative": program.allow_negative,
        "expiring_notice_days": program.expiring_notice_days,
        "asset": program.asset,
        "outstanding_points": program.outstanding,
        "backing": money(backing_minor(program, program.outstanding), program.currency)
        if program.funding == "prefunded"
        else None,
        "created_at": program.created_at,
        "updated_at": program.updated_at,
    }
    return ProgramOut.model_validate(body).model_dump(mode="json")


def render_member(
    ctx: Runtime, member: PointsMember, expiring: list[PointsLot], tier: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = {
        "id": member.member_id,
        "livemode": member.mode == "live",
        "program_id": member.program_id,
        "email": ctx.keyring.decrypt(member.email) if member.email else None,
        "name": member.name,
        "country": member.country,
        "metadata": dict(member.metadata_),
        "balance": {
            "available": member.available,
            "pending": member.pending,
            "lifetime_earned": member.lifetime_earned,
        },
        "expiring": [
            {"lot_id": x.id, "points": x.remaining, "status": x.status, "expires_at": x.expires_at} for x in expiring
        ],
        "tier": tier,
        "created_at": member.created_at,
        "updated_at": member.updated_at,
    }
    return MemberOut.model_validate(body).model_dump(mode="json")


def render_tx(tx: PointsTransaction, currency: str) -> dict[str, Any]:
    body = {
        "id": tx.id,
        "livemode": tx.mode == "live",
        "program_id": tx.program_id,
        "member_id": tx.member_id,
        "type": tx.type,
        "points": tx.points,
        "balance_after": tx.balance_after,
        "pending_after": tx.pending_after,
        "status": tx.status,
        "reason": tx.reason,
        "reference": tx.reference,
        "lots": [{"lot_id": x["lot_id"], "points": x["points"]} for x in tx.lots],
        "reverses": tx.reverses,
        "reversed_by": tx.reversed_by,
        "expires_at": tx.expires_at,
        "available_at": tx.available_at,
        "cash": money(tx.cash_minor, currency) if tx.cash_minor else None,
        "created_at": tx.created_at,
    }
    return TransactionOut.model_validate(body).model_dump(mode="json")
