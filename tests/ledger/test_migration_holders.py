"""Migration 0006 (ledger holders and assets) on data written by the schema before it: a fresh database
of its own (SQLite file or PostgreSQL database), upgraded to 0005, filled with raw SQL as 0005's schema
had it, then upgraded to head. Every account becomes held by its org, with the same id and balance;
every posting is kept; the ledger still verifies and still posts; and the downgrade gives the old rows
back."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy import text as sa_text

from rewardkit.kit.db import Database, UTCDateTime, create_engine
from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import InsufficientFunds
from rewardkit.ledger.service import Entry, Leg
from rewardkit.migrate import current_revision, downgrade, head_revision, upgrade
from tests.conftest import DEFAULT_PG

ORG_A, ORG_B = "org_01mig0006aaaaaaaaaaaaaaaaa", "org_01mig0006bbbbbbbbbbbbbbbbb"

# (id, org, mode, kind, currency, balance, allow_negative): what 0005's ledger_accounts held.
ACCOUNTS = [
    ("acct_a_funding_usd", ORG_A, "test", "funding", "USD", -10000, True),
    ("acct_a_wallet_usd", ORG_A, "test", "wallet", "USD", 7500, False),
    ("acct_a_pending_usd", ORG_A, "test", "pending", "USD", 0, False),
    ("acct_a_fulfil_usd", ORG_A, "test", "fulfillment", "USD", 2500, True),
    ("acct_a_wallet_usd_live", ORG_A, "live", "wallet", "USD", 300, False),
    ("acct_a_funding_usd_live", ORG_A, "live", "funding", "USD", -300, True),
    ("acct_b_funding_usd", ORG_B, "test", "funding", "USD", -5000, True),
    ("acct_b_wallet_usd", ORG_B, "test", "wallet", "USD", 1643, False),
    ("acct_b_fx_usd", ORG_B, "test", "fx", "USD", 3357, True),
    ("acct_b_fx_jpy", ORG_B, "test", "fx", "JPY", -5000, True),
    ("acct_b_pending_jpy", ORG_B, "test", "pending", "JPY", 5000, False),
]
# (id, org, mode, kind, reference, source_id)
TRANSACTIONS = [
    ("ltx_a_fund", ORG_A, "test", "funding", "mig-a-fund", None),
    ("ltx_a_debit", ORG_A, "test", "order_debit", "ord_a:debit", "ord_a"),
    ("ltx_a_settle", ORG_A, "test", "order_settle", "ord_a:settle", "ord_a"),
    ("ltx_a_live", ORG_A, "live", "funding", "mig-a-live", None),
    ("ltx_b_fund", ORG_B, "test", "funding", "mig-b-fund", None),
    ("ltx_b_debit", ORG_B, "test", "order_debit", "ord_b:debit", "ord_b"),
]
# (id, transaction, account, currency, amount, balance_after)
POSTINGS = [
    (1, "ltx_a_fund", "acct_a_funding_usd", "USD", -10000, -10000),
    (2, "ltx_a_fund", "acct_a_wallet_usd", "USD", 10000, 10000),
    (3, "ltx_a_debit", "acct_a_pending_usd", "USD", 2500, 2500),
    (4, "ltx_a_debit", "acct_a_wallet_usd", "USD", -2500, 7500),
    (5, "ltx_a_settle", "acct_a_fulfil_usd", "USD", 2500, 2500),
    (6, "ltx_a_settle", "acct_a_pending_usd", "USD", -2500, 0),
    (7, "ltx_a_live", "acct_a_funding_usd_live", "USD", -300, -300),
    (8, "ltx_a_live", "acct_a_wallet_usd_live", "USD", 300, 300),
    (9, "ltx_b_fund", "acct_b_funding_usd", "USD", -5000, -5000),
    (10, "ltx_b_fund", "acct_b_wallet_usd", "USD", 5000, 5000),
    (11, "ltx_b_debit", "acct_b_fx_jpy", "JPY", -5000, -5000),
    (12, "ltx_b_debit", "acct_b_fx_usd", "USD", 3357, 3357),
    (13, "ltx_b_debit", "acct_b_pending_jpy", "JPY", 5000, 5000),
    (14, "ltx_b_debit", "acct_b_wallet_usd", "USD", -3357, 1643),
]


@pytest.fixture
async def fresh_db(db_kind: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A database of this test's own, empty: the session's shared one is already at head."""
    if db_kind == "sqlite":
        db = Database(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"))
        yield db
        await db.dispose()
        return
    admin = os.environ.get("REWARDKIT_TEST_PG_URL", DEFAULT_PG)
    name = f"rk_mig_{secrets.token_hex(4)}"
    dsn = admin.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    db = Database(create_engine(admin.rsplit("/", 1)[0] + "/" + name, pool_size=2, max_overflow=0))
    try:
        yield db
    finally:
        await db.dispose()
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def _write_with_the_0005_schema(db: Database) -> None:
    now = datetime(2026, 11, 25, 22, 7, 7, tzinfo=UTC)

    def text(sql: str) -> TextClause:  # :now as the app writes a timestamp, on either database
        return sa_text(sql).bindparams(bindparam("now", type_=UTCDateTime())) if ":now" in sql else sa_text(sql)

    async with db.unit_of_work() as s:
        for org_id in (ORG_A, ORG_B):
            await s.execute(
                text("INSERT INTO orgs (id, name, default_currency, created_at) VALUES (:id, :name, 'USD', :now)"),
                {"id": org_id, "name": f"Old {org_id}", "now": now},
            )
        for id_, org_id, mode, kind, currency, balance, allow_negative in ACCOUNTS:
            await s.execute(
                text(
                    "INSERT INTO ledger_accounts (id, org_id, mode, kind, currency, balance, allow_negative,"
                    " created_at) VALUES (:id, :org, :mode, :kind, :currency, :balance, :neg, :now)"
                ),
                {
                    "id": id_,
                    "org": org_id,
                    "mode": mode,
                    "kind": kind,
                    "currency": currency,
                    "balance": balance,
                    "neg": allow_negative,
                    "now": now,
                },
            )
        for id_, org_id, mode, kind, reference, source_id in TRANSACTIONS:
            await s.execute(
                text(
                    "INSERT INTO ledger_transactions (id, org_id, mode, kind, reference, description, source_id,"
                    " created_at) VALUES (:id, :org, :mode, :kind, :ref, 'before 0006', :src, :now)"
                ),
                {"id": id_, "org": org_id, "mode": mode, "kind": kind, "ref": reference, "src": source_id, "now": now},
            )
        for id_, tx, account, currency, amount, after in POSTINGS:
            await s.execute(
                text(
                    "INSERT INTO ledger_postings (id, transaction_id, account_id, currency, amount, balance_after)"
                    " VALUES (:id, :tx, :account, :currency, :amount, :after)"
                ),
                {"id": id_, "tx": tx, "account": account, "currency": currency, "amount": amount, "after": after},
            )
        if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them, as a real ledger's is
            await s.execute(text("SELECT setval(pg_get_serial_sequence('ledger_postings', 'id'), 14)"))


async def _rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    async with db.unit_of_work(readonly=True) as s:
        return [tuple(r) for r in (await s.execute(text(sql))).all()]


async def test_wallets_become_org_held_accounts_with_everything_kept(fresh_db: Database) -> None:
    db = fresh_db
    await upgrade(db, "0005")
    await _write_with_the_0005_schema(db)
    await upgrade(db)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(current_revision) == head_revision()
    accounts = await _rows(
        db,
        "SELECT id, org_id, mode, holder_type, holder_id, kind, asset, balance, allow_negative"
        " FROM ledger_accounts ORDER BY id",
    )
    assert accounts == sorted(
        (id_, org, mode, "org", org, kind, currency, balance, neg)
        for id_, org, mode, kind, currency, balance, neg in ACCOUNTS
    )
    postings = await _rows(
        db, "SELECT id, transaction_id, account_id, asset, amount, balance_after FROM ledger_postings ORDER BY id"
    )
    assert postings == POSTINGS
    transactions = await _rows(db, "SELECT id, org_id, mode, kind, reference, source_id FROM ledger_transactions")
    assert sorted(transactions) == sorted(TRANSACTIONS)
    assert await _rows(db, "SELECT count(*) FROM ledger_assets") == [(0,)]

    async with db.unit_of_work(readonly=True) as s:
        report = await ledger.verify(s)
        assert report.ok, report
        # What today's endpoints read, unchanged.
        balances = [(b.currency, b.available, b.pending) for b in await ledger.balances(s, ORG_B, "test")]
        assert balances == [("JPY", 0, 5000), ("USD", 1643, 0)]
        assert await ledger.has_wallet(s, ORG_A, "live", "USD")
        assert not await ledger.has_wallet(s, ORG_B, "test", "JPY")

    # The migrated accounts take new postings under their new address (the same rows, not new ones) ...
    async with db.unit_of_work() as s:
        await ledger.fund(s, ORG_A, "test", "USD", 500, reference="mig-a-fund-2")
    async with db.unit_of_work(readonly=True) as s:
        assert [(b.currency, b.available) for b in await ledger.balances(s, ORG_A, "test")] == [("USD", 8000)]
    assert await _rows(db, "SELECT count(*) FROM ledger_accounts") == [(len(ACCOUNTS),)]
    # ... new accounts open under the new unique address, which refuses a second account at one address ...
    async with db.unit_of_work() as s:
        await ledger.fund(s, ORG_A, "test", "EUR", 700, reference="mig-a-eur")
    assert await _rows(db, "SELECT count(*) FROM ledger_accounts") == [(len(ACCOUNTS) + 2,)]
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        async with db.unit_of_work() as s:
            await s.execute(
                text(
                    "INSERT INTO ledger_accounts (id, org_id, mode, holder_type, holder_id, kind, asset, balance,"
                    " allow_negative, created_at) SELECT 'acct_twin', org_id, mode, holder_type, holder_id, kind,"
                    " asset, 0, allow_negative, created_at FROM ledger_accounts WHERE id = 'acct_a_wallet_usd'"
                )
            )
    # ... still guard the wallet, in the code and in the database ...
    with pytest.raises(InsufficientFunds):
        async with db.unit_of_work() as s:
            await ledger.post(
                s, Entry(ORG_B, "test", "spend", "mig-b-over", [Leg("wallet", "USD", -1644), Leg("fx", "USD", 1644)])
            )
    with pytest.raises(Exception, match="(?i)check|constraint"):
        async with db.unit_of_work() as s:
            await s.execute(text("UPDATE ledger_accounts SET balance = -1 WHERE id = 'acct_b_wallet_usd'"))
    # ... and postings still must name an account that exists.
    with pytest.raises(Exception, match="(?i)foreign key"):
        async with db.unit_of_work() as s:
            await s.execute(
                text(
                    "INSERT INTO ledger_postings (transaction_id, account_id, asset, amount, balance_after)"
                    " VALUES ('ltx_a_fund', 'acct_nowhere', 'USD', 0, 0)"
                )
            )
    async with db.unit_of_work(readonly=True) as s:
        assert (await ledger.verify(s)).ok


async def test_downgrade_gives_the_old_rows_back(fresh_db: Database) -> None:
    db = fresh_db
    await upgrade(db, "0005")
    await _write_with_the_0005_schema(db)
    await upgrade(db)
    await downgrade(db, "0005")
    accounts = await _rows(
        db, "SELECT id, org_id, mode, kind, currency, balance, allow_negative FROM ledger_accounts ORDER BY id"
    )
    assert accounts == sorted(ACCOUNTS)
    postings = await _rows(
        db, "SELECT id, transaction_id, account_id, currency, amount, balance_after FROM ledger_postings ORDER BY id"
    )
    assert postings == POSTINGS
    # and up again, to the same place
    await upgrade(db)
    async with db.unit_of_work(readonly=True) as s:
        assert (await ledger.verify(s)).ok
    assert len(await _rows(db, "SELECT id FROM ledger_accounts WHERE holder_type = 'org'")) == len(ACCOUNTS)


async def test_downgrade_refuses_a_ledger_the_old_schema_cannot_hold(fresh_db: Database) -> None:
    db = fresh_db
    await upgrade(db)
    async with db.unit_of_work() as s:
        await s.execute(
            text(
                "INSERT INTO orgs (id, name, default_currency, created_at)"
                " VALUES (:o, 'Points org', 'USD', CURRENT_TIMESTAMP)"
            ),
            {"o": ORG_A},
        )
        await ledger.define_asset(s, ORG_A, "POINTS", 0)
        await ledger.post(
            s, Entry(ORG_A, "test", "issue", "pts-1", [Leg("funding", "POINTS", -10), Leg("wallet", "POINTS", 10)])
        )
    with pytest.raises(RuntimeError, match="cannot hold them"):
        await downgrade(db, "0005")
    async with db.engine.connect() as conn:
        assert await conn.run_sync(current_revision) == head_revision()
