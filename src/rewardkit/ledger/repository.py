"""All SQL of the ledger."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit import sql
from rewardkit.kit.db import UTCDateTime, utcnow
from rewardkit.kit.ids import new_id
from rewardkit.ledger.models import Account, Posting, Transaction

_ACCOUNTS = sql.table(Account)
_FIND_ACCOUNT = select(_ACCOUNTS.c.id).where(
    _ACCOUNTS.c.org_id == bindparam("org_id"),
    _ACCOUNTS.c.mode == bindparam("mode"),
    _ACCOUNTS.c.kind == bindparam("kind"),
    _ACCOUNTS.c.currency == bindparam("currency"),
)
_DELTA = bindparam("amount", type_=BigInteger)
# The guard is in the UPDATE itself (see apply_delta).
_APPLY_DELTA = (
    update(_ACCOUNTS)
    .where(
        _ACCOUNTS.c.id == bindparam("account_id"), or_(_ACCOUNTS.c.allow_negative, _ACCOUNTS.c.balance + _DELTA >= 0)
    )
    .values(balance=_ACCOUNTS.c.balance + _DELTA)
    .returning(_ACCOUNTS.c.balance)
)
_INSERT_TRANSACTION = insert(sql.table(Transaction))
_INSERT_POSTING = insert(sql.table(Posting))

# Account ids never change and accounts are never deleted, so each process remembers them. Only ids
# found by a first SELECT are cached: a row this very transaction inserted could still roll back.
_ACCOUNT_IDS: dict[tuple[str, str, str, str, str], str] = {}


async def get_or_create_account(
    s: AsyncSession, org_id: str, mode: str, kind: str, currency: str, allow_negative: bool
) -> str:
    cache_key = (str(s.get_bind().engine.url), org_id, mode, kind, currency)
    cached = _ACCOUNT_IDS.get(cache_key)
    if cached is not None:
        return cached
    found = await find_account(s, org_id, mode, kind, currency)
    if found is not None:
        if len(_ACCOUNT_IDS) > 100_000:
            _ACCOUNT_IDS.clear()
        _ACCOUNT_IDS[cache_key] = found
        return found
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Account)
    # Two transactions may create the same account at once: the loser's insert does nothing.
    await s.execute(
        ins.values(
            id=new_id("acct"),
            org_id=org_id,
            mode=mode,
            kind=kind,
            currency=currency,
            balance=0,
            allow_negative=allow_negative,
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["org_id", "mode", "kind", "currency"])
    )
    found = await find_account(s, org_id, mode, kind, currency)
    assert found is not None
    return found


def cached_account(s: AsyncSession, org_id: str, mode: str, kind: str, currency: str) -> str | None:
    return _ACCOUNT_IDS.get((str(s.get_bind().engine.url), org_id, mode, kind, currency))


async def find_account(s: AsyncSession, org_id: str, mode: str, kind: str, currency: str) -> str | None:
    params = {"org_id": org_id, "mode": mode, "kind": kind, "currency": currency}
    found: str | None = (await sql.run(s, _FIND_ACCOUNT, params)).scalar_one_or_none()
    return found


async def apply_delta(s: AsyncSession, account_id: str, amount: int) -> int | None:
    """Atomically add amount; None if that would take a non-negative account below zero.

    The guard is in the UPDATE itself, so concurrent debits serialise on the row lock (PostgreSQL)
    or the write lock (SQLite) and can never overdraw.
    """
    after: int | None = (
        await sql.run(s, _APPLY_DELTA, {"account_id": account_id, "amount": amount})
    ).scalar_one_or_none()
    return after


# PostgreSQL: the transactions, every account's guarded update and every posting in one statement, so
# that the rows stay locked for this one round trip and the COMMIT (see post_all). The transactions go
# first: the lock reads `tx` (an InitPlan, run before its scan), so a reference booked before fails
# before any row is locked. Rows are locked in account id order (the sort sits below the lock in the
# plan), the one lock order of every writer, and FOR NO KEY UPDATE, as the UPDATE itself locks: other
# transactions' postings may still check their foreign key to the account meanwhile.
_POST_ALL_PG = text(
    """
    WITH tx AS (
        INSERT INTO ledger_transactions (id, org_id, mode, kind, reference, description, source_id, created_at)
        SELECT * FROM unnest(
            CAST(:tx_ids AS varchar[]), CAST(:tx_orgs AS varchar[]), CAST(:tx_modes AS varchar[]),
            CAST(:tx_kinds AS varchar[]), CAST(:tx_references AS varchar[]), CAST(:tx_descriptions AS varchar[]),
            CAST(:tx_sources AS varchar[]), CAST(:tx_created AS timestamptz[])
        )
        RETURNING 1
    ),
    d AS (SELECT * FROM unnest(CAST(:account_ids AS varchar[]), CAST(:deltas AS bigint[])) AS d(id, delta)),
    locked AS (
        SELECT a.id FROM ledger_accounts a
        WHERE a.id IN (SELECT id FROM d) AND (SELECT count(*) FROM tx) > 0
        ORDER BY a.id FOR NO KEY UPDATE
    ),
    acc AS (
        UPDATE ledger_accounts a SET balance = a.balance + d.delta
        FROM d JOIN locked l ON l.id = d.id
        WHERE a.id = d.id AND (a.allow_negative OR a.balance + d.delta >= 0)
        RETURNING a.id, a.balance - d.delta AS before
    ),
    p AS (
        SELECT * FROM unnest(
            CAST(:transaction_ids AS varchar[]), CAST(:posting_accounts AS varchar[]),
            CAST(:currencies AS varchar[]), CAST(:amounts AS bigint[])
        ) WITH ORDINALITY AS p(transaction_id, account_id, currency, amount, seq)
    ),
    ins AS (
        INSERT INTO ledger_postings (transaction_id, account_id, currency, amount, balance_after)
        SELECT p.transaction_id, p.account_id, p.currency, p.amount,
               acc.before + sum(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.seq)
        FROM p JOIN acc ON acc.id = p.account_id
        ORDER BY p.seq
        RETURNING 1
    )
    SELECT id, before FROM acc
    """
).bindparams(
    *(bindparam(f"tx_{n}", type_=postgresql.ARRAY(String)) for n in ("ids", "orgs", "modes", "kinds", "references")),
    *(bindparam(f"tx_{n}", type_=postgresql.ARRAY(String)) for n in ("descriptions", "sources")),
    bindparam("tx_created", type_=postgresql.ARRAY(UTCDateTime())),
    bindparam("account_ids", type_=postgresql.ARRAY(String)),
    bindparam("deltas", type_=postgresql.ARRAY(BigInteger)),
    bindparam("transaction_ids", type_=postgresql.ARRAY(String)),
    bindparam("posting_accounts", type_=postgresql.ARRAY(String)),
    bindparam("currencies", type_=postgresql.ARRAY(String)),
    bindparam("amounts", type_=postgresql.ARRAY(BigInteger)),
)


async def post_all(
    s: AsyncSession, txs: list[Transaction], deltas: dict[str, int], postings: list[tuple[str, str, str, int]]
) -> dict[str, int]:
    """Insert the transactions, apply each account's delta (guarded: a non-negative account may not go
    below zero) and insert the postings (transaction id, account id, currency, amount), in account id
    order. Returns each updated account's balance *before* the deltas; an account missing from the
    answer would have gone negative, and then nothing may be kept (the caller raises, its transaction
    rolls back). Each posting's balance_after is its account's balance before plus its amounts so far,
    in list order (the caller computes the same from the answer). A reference booked before raises
    IntegrityError.

    PostgreSQL does it all in one statement; SQLite (one writer at a time, so no row lock to keep
    short) inserts the transactions, then one guarded UPDATE per account, then the postings."""
    if s.get_bind().dialect.name == "postgresql":
        ids = sorted(deltas)
        params = {
            "tx_ids": [t.id for t in txs],
            "tx_orgs": [t.org_id for t in txs],
            "tx_modes": [t.mode for t in txs],
            "tx_kinds": [t.kind for t in txs],
            "tx_references": [t.reference for t in txs],
            "tx_descriptions": [t.description for t in txs],
            "tx_sources": [t.source_id for t in txs],
            "tx_created": [t.created_at for t in txs],
            "account_ids": ids,
            "deltas": [deltas[i] for i in ids],
            "transaction_ids": [p[0] for p in postings],
            "posting_accounts": [p[1] for p in postings],
            "currencies": [p[2] for p in postings],
            "amounts": [p[3] for p in postings],
        }
        return {row["id"]: int(row["before"]) for row in (await sql.run(s, _POST_ALL_PG, params)).mappings()}
    await insert_transactions(s, txs)
    before: dict[str, int] = {}
    for account_id in sorted(deltas):
        after = await apply_delta(s, account_id, deltas[account_id])
        if after is None:
            return before
        before[account_id] = after - deltas[account_id]
    running = dict(before)
    rows: list[dict[str, object]] = []
    for transaction_id, account_id, currency, amount in postings:
        running[account_id] += amount
        rows.append(
            {
                "transaction_id": transaction_id,
                "account_id": account_id,
                "currency": currency,
                "amount": amount,
                "balance_after": running[account_id],
            }
        )
    await insert_postings(s, rows)
    return before


async def insert_transactions(s: AsyncSession, txs: list[Transaction]) -> None:
    await sql.run(s, _INSERT_TRANSACTION, [sql.row_values(tx) for tx in txs])


async def insert_postings(s: AsyncSession, postings: list[dict[str, object]]) -> None:
    """Rows with the same keys (transaction_id, account_id, currency, amount, balance_after)."""
    await sql.run(s, _INSERT_POSTING, postings)


async def reference_exists(s: AsyncSession, reference: str) -> bool:
    return (
        await s.execute(select(Transaction.id).where(Transaction.reference == reference))
    ).scalar_one_or_none() is not None


async def accounts_of(s: AsyncSession, org_id: str, mode: str, kinds: list[str]) -> list[Account]:
    return list(
        (
            await s.execute(
                select(Account)
                .where(Account.org_id == org_id, Account.mode == mode, Account.kind.in_(kinds))
                .order_by(Account.currency)
            )
        ).scalars()
    )


async def statement(
    s: AsyncSession, org_id: str, mode: str, currency: str | None, after_id: int | None, limit: int
) -> list[tuple[Posting, Transaction]]:
    """A wallet's statement lines, newest first."""
    q = (
        select(Posting, Transaction)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.org_id == org_id, Account.mode == mode, Account.kind == "wallet")
        .order_by(Posting.id.desc())
        .limit(limit + 1)
    )
    if currency:
        q = q.where(Account.currency == currency)
    if after_id is not None:
        q = q.where(Posting.id < after_id)
    return [(p, t) for p, t in (await s.execute(q)).all()]


# --- invariant checks (rewardkit ledger verify) -------------------------------------------------


async def unbalanced_transactions(s: AsyncSession) -> list[tuple[str, str, int]]:
    q = (
        select(Posting.transaction_id, Posting.currency, func.sum(Posting.amount))
        .group_by(Posting.transaction_id, Posting.currency)
        .having(func.sum(Posting.amount) != 0)
    )
    return [(a, b, int(c)) for a, b, c in (await s.execute(q)).all()]


async def drifted_balances(s: AsyncSession) -> list[tuple[str, int, int]]:
    sums = (
        select(Posting.account_id, func.coalesce(func.sum(Posting.amount), 0).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    q = (
        select(Account.id, Account.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == Account.id)
        .where(Account.balance != func.coalesce(sums.c.total, 0))
    )
    return [(a, int(b), int(c)) for a, b, c in (await s.execute(q)).all()]


async def negative_accounts(s: AsyncSession) -> list[tuple[str, int]]:
    q = select(Account.id, Account.balance).where(and_(~Account.allow_negative, Account.balance < 0))
    return [(a, int(b)) for a, b in (await s.execute(q)).all()]


async def currency_mismatches(s: AsyncSession) -> list[int]:
    q = select(Posting.id).join(Account, Account.id == Posting.account_id).where(Posting.currency != Account.currency)
    return list((await s.execute(q)).scalars())


async def empty_transactions(s: AsyncSession) -> list[str]:
    q = select(Transaction.id).outerjoin(Posting, Posting.transaction_id == Transaction.id).where(Posting.id.is_(None))
    return list((await s.execute(q)).scalars())


async def running_balance_breaks(s: AsyncSession) -> list[int]:
    """Each posting's balance_after must equal the previous balance_after of its account + amount."""
    rows = (
        await s.execute(
            select(Posting.id, Posting.account_id, Posting.amount, Posting.balance_after).order_by(
                Posting.account_id, Posting.id
            )
        )
    ).all()
    broken, last_account, running = [], None, 0
    for pid, account, amount, after in rows:
        if account != last_account:
            last_account, running = account, 0
        running += amount
        if running != after:
            broken.append(pid)
            running = after
    return broken
