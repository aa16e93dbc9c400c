"""storefront (#15): stores, their HS256 SSO secrets, session links, JWT ids seen, member sessions

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "storefronts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("slug", sa.String(length=48), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("branding", sa.JSON(), nullable=False),
        sa.Column("return_origins", sa.JSON(), nullable=False),
        sa.Column("frame_ancestors", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("jwks_url", sa.String(length=2048), nullable=True),
        sa.Column("algorithms", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_storefronts_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_storefronts_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_storefronts_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storefronts")),
        sa.UniqueConstraint("org_id", "mode", name="uq_storefronts_org_mode"),
        sa.UniqueConstraint("slug", name=op.f("uq_storefronts_slug")),
    )
    op.create_table(
        "storefront_jtis",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("storefront_id", sa.String(length=40), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["storefront_id"], ["storefronts.id"], name=op.f("fk_storefront_jtis_storefront_id_storefronts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storefront_jtis")),
        sa.UniqueConstraint("storefront_id", "jti", name="uq_storefront_jtis_jti"),
    )
    with op.batch_alter_table("storefront_jtis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storefront_jtis_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "storefront_session_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("storefront_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("return_url", sa.String(length=2048), nullable=False),
        sa.Column("refresh_url", sa.String(length=2048), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["storefront_id"], ["storefronts.id"], name=op.f("fk_storefront_session_links_storefront_id_storefronts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storefront_session_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_storefront_session_links_token_hash")),
    )
    with op.batch_alter_table("storefront_session_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storefront_session_links_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "storefront_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("storefront_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("return_url", sa.String(length=2048), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["principal_sessions.id"], name=op.f("fk_storefront_sessions_id_principal_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["storefront_id"], ["storefronts.id"], name=op.f("fk_storefront_sessions_storefront_id_storefronts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storefront_sessions")),
    )
    with op.batch_alter_table("storefront_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storefront_sessions_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "storefront_sso_secrets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("storefront_id", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("redacted", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["storefront_id"], ["storefronts.id"], name=op.f("fk_storefront_sso_secrets_storefront_id_storefronts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storefront_sso_secrets")),
    )
    with op.batch_alter_table("storefront_sso_secrets", schema=None) as batch_op:
        batch_op.create_index("ix_storefront_sso_secrets_store", ["storefront_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("storefront_sso_secrets", schema=None) as batch_op:
        batch_op.drop_index("ix_storefront_sso_secrets_store")

    op.drop_table("storefront_sso_secrets")
    with op.batch_alter_table("storefront_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storefront_sessions_expires_at"))

    op.drop_table("storefront_sessions")
    with op.batch_alter_table("storefront_session_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storefront_session_links_expires_at"))

    op.drop_table("storefront_session_links")
    with op.batch_alter_table("storefront_jtis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storefront_jtis_expires_at"))

    op.drop_table("storefront_jtis")
    op.drop_table("storefronts")
