from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

MODES = ("test", "live")


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Orders in a currency the org holds no wallet in are paid from this one, at a recorded FX rate.
    default_currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Branding of the hosted pages (docs/branding.md); validated by auth.service.update_branding.
    brand_name: Mapped[str | None] = mapped_column(String(100))
    brand_logo_url: Mapped[str | None] = mapped_column(String(2048))  # https only
    brand_accent: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb", lower case
    support_email: Mapped[str | None] = mapped_column(String(254))


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("mode IN ('test', 'live')", name="mode"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    mode: Mapped[str] = mapped_column(String(4))
    # HMAC-SHA256 of the whole key under the server secret: indexable, useless if the table leaks.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What a dashboard may show: "sk_test_…a1b2".
    redacted: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The API version its requests get without a Rewardkit-Version header (kit/versioning.py). New keys
    # get the latest (auth.service.create_key); keys made before versions could be pinned hold the
    # first one, so an existing integration never changes under it (migration 0022).
    api_version: Mapped[str] = mapped_column(String(10), server_default="2026-11-01")


class PrincipalSession(Base):
    """A signed-in principal that is not an API key (auth/principals.py): a storefront member, a reward
    link's visitor, a dashboard user. The token is stored only as an HMAC; it expires and can be revoked."""

    __tablename__ = "principal_sessions"
    __table_args__ = (
        CheckConstraint("mode IN ('test', 'live')", name="mode"),
        CheckConstraint("kind IN ('member_session', 'link_visitor', 'dashboard_user')", name="kind"),
        Index("ix_principal_sessions_subject", "org_id", "mode", "kind", "subject"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    subject: Mapped[str] = mapped_column(String(200))  # the member id, link id or user id
    scopes: Mapped[list[str]] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
