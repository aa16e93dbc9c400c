"""Reward points: programs (each with a ledger asset of its own), members keyed by the customer's user
id, lots (what one credit gave, with its expiry), and points transactions. The job kinds and event
types of the domain are spelled here once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

FUNDINGS = ("on_redemption", "prefunded")
ROUND_TO = ("month_end",)
TX_TYPES = ("credit", "debit", "reversal", "expiry")

# Ledger addresses (docs/points.md#ledger). The member's accounts are held by ("points_member", the
# member row's id) in the program's asset; only the ledger imports its own models, so the holder types
# are spelled here as the ledger spells them (ledger.models.POINTS_MEMBER, POINTS_PROGRAM).
MEMBER_HOLDER = "points_member"
AVAILABLE = "wallet"  # the member's available points: non-negative, guarded by the ledger
PENDING = "pending"  # credits not yet released: non-negative
DEBT = "points_debt"  # what a reversal took beyond the member's points (allow_negative only): <= 0
ISSUED = "points_issued"  # the org's issuance account in the program's asset: goes negative by what it issued
SPENT = "points_spent"  # points debited
EXPIRED = "points_expired"  # points that expired
# A prefunded program's backing account: the cash value of the points outstanding, held in the program's
# currency by ("points_program", program id) as kind `reserved` (never negative, guarded by the ledger).
BACKING_HOLDER = "points_program"
BACKING = "reserved"

EXPIRE_JOB = "points.expire"
RELEASE_JOB = "points.release"
NOTICE_JOB = "points.expiring"

POINTS_CREDITED = "points.credited"
POINTS_DEBITED = "points.debited"
POINTS_REVERSED = "points.reversed"
POINTS_EXPIRING = "points.expiring"
POINTS_EXPIRED = "points.expired"
EVENT_TYPES = (POINTS_CREDITED, POINTS_DEBITED, POINTS_REVERSED, POINTS_EXPIRING, POINTS_EXPIRED)


class PointsProgram(Base):
    __tablename__ = "points_programs"
    __table_args__ = (
        Index("ix_points_programs_scope", "org_id", "mode", "id"),
        CheckConstraint("funding IN ('on_redemption','prefunded')", name="funding"),
        CheckConstraint("points_per_unit > 0", name="points_per_unit"),
        CheckConstraint("outstanding >= 0", name="outstanding"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    points_per_unit: Mapped[int] = mapped_column(BigInteger)
    expiry_months: Mapped[int | None] = mapped_column(Integer)
    expiry_round_to: Mapped[str | None] = mapped_column(String(16))
    pending_days: Mapped[int] = mapped_column(Integer)
    funding: Mapped[str] = mapped_column(String(16))
    allow_negative: Mapped[bool] = mapped_column(Boolean)
    expiring_notice_days: Mapped[int | None] = mapped_column(Integer)
    asset: Mapped[str] = mapped_column(String(24))  # the program's ledger asset, precision 0
    # Points members hold (available + pending, debts not netted): what the backing account covers
    # (prefunded). Kept by a guarded UPDATE in each movement's transaction.
    outstanding: Mapped[int] = mapped_column(BigInteger)
    # True from the first credit: currency, funding and points_per_unit are fixed from then on.
    used: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsMember(Base):
    __tablename__ = "points_members"
    __table_args__ = (
        UniqueConstraint("program_id", "member_id", name="uq_points_members_member"),
        # available may go below zero only through a reversal of an allow_negative program.
        CheckConstraint("pending >= 0", name="pending"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # pmb_…: the ledger holder id
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    member_id: Mapped[str] = mapped_column(String(64))  # the customer's own user id
    email: Mapped[str | None] = mapped_column(Text)  # AES-GCM encrypted (Module.sealed)
    name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    # Caches of the member's ledger accounts, changed by guarded UPDATEs in the same transaction as the
    # postings: available = wallet + points_debt, pending = pending.
    available: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(BigInteger)
    lifetime_earned: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsLot(Base):
    """What one credit gave: its points left, its state and its expiry. Debits consume lots soonest
    expiring first (lots without expiry last), then oldest first."""

    __tablename__ = "points_lots"
    __table_args__ = (
        Index("ix_points_lots_member", "member_pk", "status", "expires_at", "id"),
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining"),
        CheckConstraint("status IN ('pending','available','expired','reversed')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # plt_…
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    member_pk: Mapped[str] = mapped_column(ForeignKey("points_members.id"))
    credit_id: Mapped[str] = mapped_column(String(40))  # the ptx_ of the credit
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_points: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsTransaction(Base):
    __tablename__ = "points_transactions"
    __table_args__ = (
        Index("ix_points_transactions_member", "member_pk", "id"),
        # A credit's or debit's reference is unique in its program (NULL for reversals and expiries).
        UniqueConstraint("program_id", "reference", name="uq_points_transactions_reference"),
        CheckConstraint("type IN ('credit','debit','reversal','expiry')", name="type"),
        CheckConstraint("points >= 0", name="points"),  # 0: a reversal of a credit that had all expired
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # ptx_…
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    member_pk: Mapped[str] = mapped_column(ForeignKey("points_members.id"))
    member_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(BigInteger)  # always positive: `delta` says the direction
    delta: Mapped[int] = mapped_column(BigInteger)  # the change of available + pending
    balance_after: Mapped[int] = mapped_column(BigInteger)  # available after
    pending_after: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(10))  # a credit's: pending | available (released)
    reason: Mapped[str | None] = mapped_column(String(300))
    reference: Mapped[str | None] = mapped_column(String(120))
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the request that made it (reference replays)
    lots: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"lot_id", "points"}]
    reverses: Mapped[str | None] = mapped_column(String(40))
    reversed_by: Mapped[str | None] = mapped_column(String(40))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a credit's lot expiry
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a credit's release time
    cash_minor: Mapped[int] = mapped_column(BigInteger)  # prefunded: cash moved (+ into backing, - out)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- earning rules, activities and tiers (points/rules.py, activities.py, tiers.py) ---------------

POINTS_TIER_CHANGED = "points.tier_changed"
RULE_EVENT_TYPES = (POINTS_TIER_CHANGED,)
TIERS_JOB = "points.tiers"  # the periodic re-evaluation of a program's members' tiers
DOWNGRADES = ("immediate", "end_of_period")


class PointsRule(Base):
    """An earning rule: an activity of `event_type` whose properties meet the conditions, inside the
    active window, credits fixed points or points per unit of a numeric property, capped per member per
    UTC day and month. Deleted rules keep their row (activities name them): `deleted_at`."""

    __tablename__ = "points_rules"
    __table_args__ = (
        Index("ix_points_rules_program", "program_id", "event_type", "id"),
        CheckConstraint("(points_fixed IS NULL) <> (per_unit_property IS NULL)", name="one_kind"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # prl_…
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    event_type: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(300))
    points_fixed: Mapped[int | None] = mapped_column(BigInteger)
    per_unit_property: Mapped[str | None] = mapped_column(String(40))
    per_unit_points: Mapped[int | None] = mapped_column(BigInteger)
    per_unit_per: Mapped[int | None] = mapped_column(BigInteger)  # points per this many units
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"property", "op", "value"}]
    daily_cap: Mapped[int | None] = mapped_column(BigInteger)
    monthly_cap: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsActivity(Base):
    """What happened to a member, as the customer's product reported it, with what the rules made of it
    (`credits`, as answered). Unique by reference in the program: a retry replays the first answer."""

    __tablename__ = "points_activities"
    __table_args__ = (
        UniqueConstraint("program_id", "reference", name="uq_points_activities_reference"),
        Index("ix_points_activities_program", "program_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # pac_…
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    member_pk: Mapped[str] = mapped_column(ForeignKey("points_members.id"))
    member_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(String(120))
    fingerprint: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    credits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsRuleCredit(Base):
    """What one rule credited one member for one activity, by the UTC day and month the activity
    occurred in: the caps sum these (under the member's row lock)."""

    __tablename__ = "points_rule_credits"
    __table_args__ = (Index("ix_points_rule_credits_cap", "rule_id", "member_pk", "month", "day"),)

    activity_id: Mapped[str] = mapped_column(ForeignKey("points_activities.id"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("points_rules.id"), primary_key=True)
    member_pk: Mapped[str] = mapped_column(ForeignKey("points_members.id"))
    day: Mapped[str] = mapped_column(String(10))  # 2026-12-01
    month: Mapped[str] = mapped_column(String(7))  # 2026-12
    points: Mapped[int] = mapped_column(BigInteger)


class PointsTierPolicy(Base):
    """A program's tiers: [{"name", "min_points"}] ascending, from points earned in the last
    `window_months` (null: all time), and how a member comes down."""

    __tablename__ = "points_tier_policies"
    __table_args__ = (CheckConstraint("downgrade IN ('immediate','end_of_period')", name="downgrade"),)

    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"), primary_key=True)
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    window_months: Mapped[int | None] = mapped_column(Integer)
    downgrade: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsMemberTier(Base):
    """A member's tier as last evaluated; `downgrade_at`: end_of_period, the lower tier it falls to then
    unless it earns its way back first."""

    __tablename__ = "points_member_tiers"

    member_pk: Mapped[str] = mapped_column(ForeignKey("points_members.id"), primary_key=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    tier: Mapped[str | None] = mapped_column(String(60))
    earned: Mapped[int] = mapped_column(BigInteger)  # points earned in the window, as last evaluated
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    downgrade_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
