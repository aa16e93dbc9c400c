"""The storefront (#15): one store per org and mode, its HS256 SSO secrets, its single-use session
links, the JWT ids it has seen, and its members' browser sessions. Event types as constants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

SSO_FAILED = "storefront.sso_failed"
EVENT_TYPES = (SSO_FAILED,)

ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")
ASYMMETRIC = ("RS256", "ES256", "EdDSA")
MAX_ACTIVE_SECRETS = 2  # the current secret and the next one, during a rotation


class Storefront(Base):
    __tablename__ = "storefronts"
    __table_args__ = (
        CheckConstraint("mode IN ('test', 'live')", name="mode"),
        UniqueConstraint("org_id", "mode", name="uq_storefronts_org_mode"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # sfr_…
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(4))
    # Globally unique (it is in the store's URLs); a test store's starts with "test-" (docs/storefront.md).
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    program_id: Mapped[str] = mapped_column(ForeignKey("points_programs.id"))
    title: Mapped[str] = mapped_column(String(100))
    # The org's branding fields (API names) this store overrides; validated by auth.service.clean_branding.
    branding: Mapped[dict[str, Any]] = mapped_column(JSON)
    return_origins: Mapped[list[str]] = mapped_column(JSON)
    frame_ancestors: Mapped[list[str]] = mapped_column(JSON)
    # {"include": [...], "exclude": [...]} each
    categories: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    products: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    jwks_url: Mapped[str | None] = mapped_column(String(2048))
    algorithms: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StorefrontSsoSecret(Base):
    """An HS256 signing secret. Verifying needs the raw secret, so it is encrypted with the keyring
    (Module.sealed), never hashed; answered once, when created."""

    __tablename__ = "storefront_sso_secrets"
    __table_args__ = (Index("ix_storefront_sso_secrets_store", "storefront_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # sss_…: also the JWT `kid` it answers to
    storefront_id: Mapped[str] = mapped_column(ForeignKey("storefronts.id"))
    secret: Mapped[str] = mapped_column(Text)  # AES-GCM ciphertext
    redacted: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StorefrontSessionLink(Base):
    """A single-use sign-in URL (POST /v1/storefront/sessions): its token stored only as an HMAC."""

    __tablename__ = "storefront_session_links"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # sfl_…
    storefront_id: Mapped[str] = mapped_column(ForeignKey("storefronts.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[str] = mapped_column(String(64))  # the customer's user id
    return_url: Mapped[str] = mapped_column(String(2048))
    refresh_url: Mapped[str] = mapped_column(String(2048))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StorefrontJti(Base):
    """A JWT id seen by a store, kept until the token's expiry (plus the skew): a second use is refused."""

    __tablename__ = "storefront_jtis"
    __table_args__ = (UniqueConstraint("storefront_id", "jti", name="uq_storefront_jtis_jti"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # sfj_…
    storefront_id: Mapped[str] = mapped_column(ForeignKey("storefronts.id"))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class StorefrontSession(Base):
    """A member's browser session in a store: the principal session (auth's principal_sessions, kind
    member_session, its expiry the absolute timeout) plus what only the store needs: the idle timeout's
    last_seen_at and where "back" and "sign out" go."""

    __tablename__ = "storefront_sessions"

    id: Mapped[str] = mapped_column(ForeignKey("principal_sessions.id"), primary_key=True)  # pss_…
    storefront_id: Mapped[str] = mapped_column(ForeignKey("storefronts.id"))
    member_id: Mapped[str] = mapped_column(String(64))
    return_url: Mapped[str] = mapped_column(String(2048))
    via: Mapped[str] = mapped_column(String(8))  # "link" | "jwt"
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
