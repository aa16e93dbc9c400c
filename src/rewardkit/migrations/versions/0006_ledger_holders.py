"""ledger accounts with holders and assets

An account is addressed by (org_id, mode, holder_type, holder_id, kind, asset). Every existing account
(the wallets and their counterparts) becomes held by its org: holder_type 'org', holder_id = org_id.
`currency` becomes `asset` on accounts and postings (ISO 4217 codes stay as they are; org-defined units
are up to 24 characters), and ledger_assets holds the units orgs define, with their precision. Balances,
postings and ids are kept exactly.

On SQLite, batch mode rebuilds ledger_accounts (a unique constraint cannot be altered in place) and
ledger_postings (the wider column): rewardkit.migrate runs migrations with foreign keys unenforced
there and checks them before the commit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = ["org_id", "mode", "kind", "currency"]
NEW_KEY = ["org_id", "mode", "holder_type", "holder_id", "kind", "asset"]


def upgrade() -> None:
    op.create_table(
        "ledger_assets",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("precision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("precision >= 0 AND precision <= 18", name=op.f("ck_ledger_assets_precision")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_ledger_assets_org_id_orgs")),
        sa.PrimaryKeyConstraint("org_id", "code", name=op.f("pk_ledger_assets")),
    )

    # Nullable first, filled, then required: ADD COLUMN in place on both databases.
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_type", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("holder_id", sa.String(length=40), nullable=True))
    op.execute("UPDATE ledger_accounts SET holder_type = 'org', holder_id = org_id")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.alter_column("holder_type", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("holder_id", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column(
            "currency",
            new_column_name="asset",
            existing_type=sa.String(length=3),
            type_=sa.String(length=24),
            existing_nullable=False,
        )
        batch_op.drop_constraint("uq_ledger_account", type_="unique")
    # A batch leaves out a new constraint on a column it renames, so the new address has a batch of its own.
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_ledger_account", NEW_KEY)

    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.alter_column(
            "currency",
            new_column_name="asset",
            existing_type=sa.String(length=3),
            type_=sa.String(length=24),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Only a ledger the old schema can express goes back: every account held by its org, in a currency.
    bind = op.get_bind()
    n = bind.execute(
        sa.text("SELECT count(*) FROM ledger_accounts WHERE holder_type <> 'org' OR length(asset) <> 3")
    ).scalar()
    if n:
        raise RuntimeError(
            f"{n} ledger accounts are held inside an org or in an org-defined asset; the schema before 0006"
            " cannot hold them, so this downgrade stops here (nothing was changed)"
        )

    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.alter_column(
            "asset",
            new_column_name="currency",
            existing_type=sa.String(length=24),
            type_=sa.String(length=3),
            existing_nullable=False,
        )

    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ledger_account", type_="unique")
        batch_op.alter_column(
            "asset",
            new_column_name="currency",
            existing_type=sa.String(length=24),
            type_=sa.String(length=3),
            existing_nullable=False,
        )
        batch_op.drop_column("holder_id")
        batch_op.drop_column("holder_type")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_ledger_account", OLD_KEY)

    op.drop_table("ledger_assets")
