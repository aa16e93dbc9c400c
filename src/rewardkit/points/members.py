"""A program's members inside the caller's transaction: the row a new member starts as, and the sign-in
upsert the storefront (#15) makes when a member arrives (no unit of work of its own: its caller's)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit.ids import new_id
from rewardkit.points import movements, repository
from rewardkit.points.models import PointsMember, PointsProgram

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


def new_member(
    program: PointsProgram,
    member_id: str,
    sealed_email: str | None,
    name: str | None,
    country: str | None,
    metadata: dict[str, str],
    now: datetime,
) -> PointsMember:
    """A member with nothing earned yet (its email already sealed with the keyring)."""
    return PointsMember(
        id=new_id("pmb"),
        program_id=program.id,
        org_id=program.org_id,
        mode=program.mode,
        member_id=member_id,
        email=sealed_email,
        name=name,
        country=country,
        metadata_=metadata,
        available=0,
        pending=0,
        lifetime_earned=0,
        created_at=now,
        updated_at=now,
    )


async def program_in(s: AsyncSession, org_id: str, mode: str, program_id: str) -> PointsProgram | None:
    """The org's program of that mode, or None (another org's or mode's id is not found)."""
    return await repository.program(s, org_id, mode, program_id)


async def sign_in_member(
    s: AsyncSession,
    ctx: Runtime,
    program: PointsProgram,
    member_id: str,
    *,
    email: str | None = None,
    name: str | None = None,
    country: str | None = None,
) -> PointsMember:
    """Create the member, or update the fields given (None keeps the stored value: a sign-in that does not
    send the email must not erase it). Values are validated by the caller (MemberPut's rules)."""
    now = movements.now()
    member = await repository.member(s, program.id, member_id)
    if member is None:
        sealed = ctx.keyring.encrypt(email) if email else None
        member = new_member(program, member_id, sealed, name, country, {}, now)
        await repository.add(s, member)
        return member
    values: dict[str, Any] = {}
    if email is not None:
        values["email"] = ctx.keyring.encrypt(email)
    if name is not None:
        values["name"] = name
    if country is not None:
        values["country"] = country
    if values:
        await repository.update_member(s, member.id, {**values, "updated_at": now})
    return member
