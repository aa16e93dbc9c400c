"""All SQL of the ledger."""

from __future__ import annotations

from sqlalchemy import BigInteger, ColumnElement, String, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit import sql
from rewardkit.kit.db import UTCDateTime, utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import is_currency
from rewardkit.ledger.models import (
    HOLDER_TYPES,
    ORG,
    RESERVATION,
    RESERVED,
    Account,
    Address,
    Asset,
    Posting,
    Transaction,
)

_ACCOUNTS = sql.table(Account)
_FIND_ACCOUNT = select(_ACCOUNTS.c.id).where(
    _ACCOUNTS.c.org_id == bindparam("org_id"),
    _ACCOUNTS.c.mode == bindparam("mode"),
    _ACCOUNTS.c.holder_type == bindparam("holder_type"),
    _ACCOUNTS.c.holder_id == bindparam("holder_id"),
    _ACCOUNTS.c.kind == bindparam("kind"),
    _ACCOUNTS.c.asset == bindparam("asset"),
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


# Account ids never change and accounts are never deleted, so each process remembers them, by database
# and address. Only ids found by a first SELECT are cached: a row this very transaction inserted could
# still roll back.
class AccountIds:
    """Account ids by address, per process (a runtime part, ledger/module.py): accounts are never
    deleted and their address never changes, so an id once read stays true. Only ids found by a first
    SELECT are kept: a row this very transaction inserted could still roll back. Saves the SELECT of
    every account of every order (the wallet, pending, fulfillment and FX accounts of its org)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._ids: dict[Address, str] = {}

    @classmethod
    def open(cls, rt: object) -> AccountIds:
        return cls()

    def get(self, address: Address) -> str | None:
        return self._ids.get(address)

    def put(self, address: Address, account_id: str) -> None:
        if len(self._ids) >= self.size:
            self._ids.clear()
        self._ids[address] = account_id


async def get_or_create_account(
    s: AsyncSession, address: Address, allow_negative: bool, known: AccountIds | None = None
) -> str | None:
    """The account's id, created on first use; None (and nothing created) if its asset is neither an ISO
    4217 currency nor defined by its org. Assets are never deleted, so an account proves its asset.
    `known`: the process's account ids, where the caller has them (the API and the workers)."""
    cached = known.get(address) if known is not None else None
    if cached is not None:
        return cached
    found = await find_account(s, address)
    if found is not None:
        if known is not None:
            known.put(address, found)
        return found
    if not is_currency(address.asset) and await find_asset(s, address.org_id, address.asset) is None:
        return None
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Account)
    # Two transactions may create the same account at once: the loser's insert does nothing.
    await s.execute(
        ins.values(
            id=new_id("acct"),
            **address._asdict(),
            balance=0,
            allow_negative=allow_negative,
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=list(Address._fields))
    )
    found = await find_account(s, address)
    assert found is not None
    return found


async def find_account(s: AsyncSession, address: Address) -> str | None:
    found: str | None = (await sql.run(s, _FIND_ACCOUNT, address._asdict())).scalar_one_or_none()
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
            CAST(:assets AS varchar[]), CAST(:amounts AS bigint[])
        ) WITH ORDINALITY AS p(transaction_id, account_id, asset, amount, seq)
    ),
    ins AS (
        INSERT INTO ledger_postings (transaction_id, account_id, asset, amount, balance_after)
        SELECT p.transaction_id, p.account_id, p.asset, p.amount,
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
    bindparam("assets", type_=postgresql.ARRAY(String)),
    bindparam("amounts", type_=postgresql.ARRAY(BigInteger)),
)


async def post_all(
    s: AsyncSession, txs: list[Transaction], deltas: dict[str, int], postings: list[tuple[str, str, str, int]]
) -> dict[str, int]:
    """Insert the transactions, apply each account's delta (guarded: a non-negative account may not go
    below zero) and insert the postings (transaction id, account id, asset, amount), in account id
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
            "assets": [p[2] for p in postings],
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
    for transaction_id, account_id, asset, amount in postings:
        running[account_id] += amount
        rows.append(
            {
                "transaction_id": transaction_id,
                "account_id": account_id,
                "asset": asset,
                "amount": amount,
                "balance_after": running[account_id],
            }
        )
    await insert_postings(s, rows)
    return before


async def insert_transactions(s: AsyncSession, txs: list[Transaction]) -> None:
    await sql.run(s, _INSERT_TRANSACTION, [sql.row_values(tx) for tx in txs])


async def insert_postings(s: AsyncSession, postings: list[dict[str, object]]) -> None:
    """Rows with the same keys (transaction_id, account_id, asset, amount, balance_after)."""
    await sql.run(s, _INSERT_POSTING, postings)


async def reference_exists(s: AsyncSession, reference: str) -> bool:
    return (
        await s.execute(select(Transaction.id).where(Transaction.reference == reference))
    ).scalar_one_or_none() is not None


def _org_held(org_id: str) -> list[ColumnElement[bool]]:
    return [Account.org_id == org_id, Account.holder_type == ORG, Account.holder_id == org_id]


async def accounts_of(s: AsyncSession, org_id: str, mode: str, kinds: list[str]) -> list[Account]:
    """The org's own accounts of these kinds in this mode (not those of holders inside it), by asset."""
    return list(
        (
            await s.execute(
                select(Account)
                .where(*_org_held(org_id), Account.mode == mode, Account.kind.in_(kinds))
                .order_by(Account.asset)
            )
        ).scalars()
    )


async def reserved_of(s: AsyncSession, org_id: str, mode: str) -> dict[str, int]:
    """What the org's reward links hold, per asset: the sum of their reservation accounts."""
    rows = await s.execute(
        select(Account.asset, func.sum(Account.balance))
        .where(
            Account.org_id == org_id,
            Account.mode == mode,
            Account.holder_type == RESERVATION,
            Account.kind == RESERVED,
        )
        .group_by(Account.asset)
    )
    return {asset: int(total or 0) for asset, total in rows}


async def statement(
    s: AsyncSession, org_id: str, mode: str, currency: str | None, after_id: int | None, limit: int
) -> list[tuple[Posting, Transaction]]:
    """The org's own wallets' statement lines, newest first: in currencies (org-defined units, whose codes
    are longer than ISO 4217's three letters, are not money and have no place on it)."""
    q = (
        select(Posting, Transaction)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(*_org_held(org_id), Account.mode == mode, Account.kind == "wallet", func.length(Account.asset) == 3)
        .order_by(Posting.id.desc())
        .limit(limit + 1)
    )
    if currency:
        q = q.where(Account.asset == currency)
    if after_id is not None:
        q = q.where(Posting.id < after_id)
    return [(p, t) for p, t in (await s.execute(q)).all()]


# --- assets an organisation defines (ISO 4217 currencies are implicit) ------------------------------


async def find_asset(s: AsyncSession, org_id: str, code: str) -> Asset | None:
    return (await s.execute(select(Asset).where(Asset.org_id == org_id, Asset.code == code))).scalar_one_or_none()


async def insert_asset(s: AsyncSession, asset: Asset) -> None:
    """Does nothing if the org already defined this code (the caller reads back what is there)."""
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Asset)
    await s.execute(ins.values(**sql.row_values(asset)).on_conflict_do_nothing(index_elements=["org_id", "code"]))


# --- invariant checks (rewardkit ledger verify) -------------------------------------------------


async def unbalanced_transactions(s: AsyncSession) -> list[tuple[str, str, int]]:
    q = (
        select(Posting.transaction_id, Posting.asset, func.sum(Posting.amount))
        .group_by(Posting.transaction_id, Posting.asset)
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


async def asset_mismatches(s: AsyncSession) -> list[int]:
    q = select(Posting.id).join(Account, Account.id == Posting.account_id).where(Posting.asset != Account.asset)
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


async def unknown_assets(s: AsyncSession) -> list[tuple[str, str]]:
    """Accounts (id, asset) in an asset that is neither an ISO 4217 currency nor defined by their org."""
    q = (
        select(Account.id, Account.asset)
        .outerjoin(Asset, and_(Asset.org_id == Account.org_id, Asset.code == Account.asset))
        .where(Asset.code.is_(None))
    )
    return [(a, b) for a, b in (await s.execute(q)).all() if not is_currency(b)]


async def bad_holders(s: AsyncSession) -> list[tuple[str, str, str]]:
    """Accounts (id, holder_type, holder_id) of an unknown holder type, or org-held by another org."""
    q = select(Account.id, Account.holder_type, Account.holder_id).where(
        or_(
            Account.holder_type.not_in(sorted(HOLDER_TYPES)),
            and_(Account.holder_type == ORG, Account.holder_id != Account.org_id),
        )
    )
    return [(a, b, c) for a, b, c in (await s.execute(q)).all()]
