"""Capture the SQL of one sandbox order and render it as a pgbench script.

    python -m bench.capture --api-key sk_test_… --out order.sql --json capture.json
    (REWARDKIT_DATABASE_URL / REWARDKIT_SECRET_KEYS from the environment: a scratch PostgreSQL
    database already migrated, seeded, with a funded org)

The app is built in this process with `create_app(Settings())` and driven through
httpx.ASGITransport: one warm-up order, then the captured one. SQLAlchemy events on the engine record
every statement with its parameters, and each transaction's BEGIN / COMMIT / ROLLBACK (and
savepoints), per connection, in order. Statements are rendered with their parameters as literals;
values created by this order are replaced by pgbench variables so that many clients can run the
script at once without unique violations:

- ids from `rewardkit.kit.ids.new_id` (ord_…, evt_…, ltx_…, …), wherever they occur inside a
  string (`fulfil:ord_…`, `ord_…:debit`), become `'ord_' || :n1`, with `\\set n1 random(…)`;
- HMACs the order computed (the voucher token hash, unique) and the Idempotency-Key likewise;
- integer ids the database generated (jobs, idempotency records, …) are read back with `\\gset`
  from the statement that returned them and used by later statements. Sequences are first moved
  to distinct, distinctive ranges so that these values cannot be mistaken for amounts.

Ids of rows that existed before the order (the org, its accounts, the product, the API key) stay
literal. pgbench runs the script with `-M prepared` (asyncpg prepares its statements too); string
literals are split after every ':' so pgbench does not read `:word` inside them as a variable.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import decimal
import json
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

SEQ_BASE = 1_100_000_000  # int4-safe; sequence i starts at SEQ_BASE + i * SEQ_STEP
SEQ_STEP = 10_000_000
ID_KEY = re.compile(r"(^|_)id$")
NAME_CHAR = re.compile(r"[A-Za-z0-9_]")


@dataclass
class Stmt:
    conn: int
    sql: str
    params: list[Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    many: bool = False


@dataclass
class Mark:
    conn: int
    what: str  # BEGIN, COMMIT, ROLLBACK, SAVEPOINT x, RELEASE SAVEPOINT x, ROLLBACK TO SAVEPOINT x


@dataclass
class Recorder:
    items: list[Stmt | Mark] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # generated value -> its prefix ('' for none)
    on: bool = False


def attach(engine: Any, rec: Recorder) -> Callable[[], None]:
    """Listen to the engine; returns a function that removes the listeners."""

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not rec.on:
            return
        if executemany and parameters and all(isinstance(p, list | tuple) for p in parameters):
            for p in parameters:
                rec.items.append(Stmt(id(conn.connection.dbapi_connection), statement, list(p), many=True))
        else:
            rec.items.append(Stmt(id(conn.connection.dbapi_connection), statement, list(parameters or ())))

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not rec.on or (last := rec.items[-1] if rec.items else None) is None or not isinstance(last, Stmt):
            return
        if last.many:
            return
        rows = list(getattr(cursor, "_rows", None) or [])
        last.rows = [dict(r.items()) if hasattr(r, "items") else {} for r in rows]

    def mark(what: str) -> Callable[..., None]:
        def fn(conn: Any, *args: Any) -> None:
            if rec.on:
                name = f" {args[0]}" if args and isinstance(args[0], str) else ""
                rec.items.append(Mark(id(conn.connection.dbapi_connection), what + name))

        return fn

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", before),
        ("after_cursor_execute", after),
        ("begin", mark("BEGIN")),
        ("commit", mark("COMMIT")),
        ("rollback", mark("ROLLBACK")),
        ("savepoint", mark("SAVEPOINT")),
        ("release_savepoint", mark("RELEASE SAVEPOINT")),
        ("rollback_savepoint", mark("ROLLBACK TO SAVEPOINT")),
    ]
    for name, fn in listeners:
        event.listen(engine, name, fn)

    def detach() -> None:
        for name, fn in listeners:
            event.remove(engine, name, fn)

    return detach


def patch_generators(rec: Recorder, keyring: Any, api_key: str) -> Callable[[], None]:
    """Record every id new_id() hands out and every HMAC keyring.hash() computes (except the API
    key's), while recording is on. new_id is imported by name, so each importing module is patched."""
    from rewardkit.kit import ids

    original = ids.new_id

    def new_id(prefix: str) -> str:
        value = original(prefix)
        if rec.on:
            rec.tokens[value] = prefix + "_"
        return value

    patched = []
    for mod in list(sys.modules.values()):
        if mod is not None and getattr(mod, "new_id", None) is original:
            mod.new_id = new_id  # type: ignore[attr-defined]
            patched.append(mod)
    original_hash = keyring.hash

    def hash_(value: str) -> str:
        out: str = original_hash(value)
        if rec.on and value != api_key:
            rec.tokens[out] = ""
        return out

    keyring.hash = hash_

    def undo() -> None:
        for mod in patched:
            mod.new_id = original  # type: ignore[attr-defined]
        keyring.hash = original_hash

    return undo


# --- rendering --------------------------------------------------------------------------------------


def quote(text: str) -> str:
    """A SQL string literal that pgbench will not read variables in: split after each ':' that is
    followed by a name character."""
    parts, buf = [], []
    for i, ch in enumerate(text):
        buf.append(ch)
        if ch == ":" and i + 1 < len(text) and NAME_CHAR.match(text[i + 1]):
            parts.append("".join(buf))
            buf = []
    parts.append("".join(buf))
    lits = ["'" + p.replace("'", "''") + "'" for p in parts]
    return lits[0] if len(lits) == 1 else "(" + " || ".join(lits) + ")"


class Renderer:
    def __init__(self, tokens: dict[str, str]) -> None:
        # longest first, so that a token containing another is replaced whole
        self.tokens = sorted(tokens.items(), key=lambda kv: -len(kv[0]))
        self.vars: dict[str, str] = {}  # token -> pgbench variable
        self.int_vars: dict[int, str] = {}  # generated integer id -> :variable

    def var_for(self, token: str) -> str:
        if token not in self.vars:
            self.vars[token] = f"n{len(self.vars) + 1}"
        return self.vars[token]

    def string(self, text: str) -> str:
        pieces: list[str] = []
        rest = text
        while rest:
            hit = None
            for tok, prefix in self.tokens:
                pos = rest.find(tok)
                if pos >= 0 and (hit is None or pos < hit[0]):
                    hit = (pos, tok, prefix)
            if hit is None:
                pieces.append(quote(rest))
                break
            pos, tok, prefix = hit
            before = rest[:pos] + prefix
            if before:
                pieces.append(quote(before))
            pieces.append(f"CAST(:{self.var_for(tok)} AS text)")
            rest = rest[pos + len(tok) :]
        if not pieces:
            return "''"
        return pieces[0] if len(pieces) == 1 else "(" + " || ".join(pieces) + ")"

    def value(self, v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            if v in self.int_vars:
                return f":{self.int_vars[v]}"
            return str(v)
        if isinstance(v, float | decimal.Decimal):
            return repr(float(v)) if isinstance(v, float) else str(v)
        if isinstance(v, dt.datetime | dt.date | dt.time):
            return quote(v.isoformat())
        if isinstance(v, uuid.UUID):
            return quote(str(v))
        if isinstance(v, bytes | bytearray | memoryview):
            return "'\\x" + bytes(v).hex() + "'"
        if isinstance(v, list | tuple):
            return "ARRAY[" + ", ".join(self.value(x) for x in v) + "]"
        if isinstance(v, dict):
            return self.string(json.dumps(v))
        return self.string(str(v))

    def statement(self, st: Stmt, number: int) -> str:
        sql = " ".join(st.sql.split())
        params = st.params

        def sub(m: re.Match[str]) -> str:
            return self.value(params[int(m.group(1)) - 1])

        text = re.sub(r"\$(\d+)", sub, sql)
        # integer ids this statement returns that later statements use: read them back with \gset
        gset = ""
        if len(st.rows) == 1:
            for col, val in st.rows[0].items():
                if (
                    isinstance(val, int)
                    and not isinstance(val, bool)
                    and ID_KEY.search(col)
                    and val >= SEQ_BASE
                    and val not in self.int_vars
                ):
                    self.int_vars[val] = f"g{number}_{col}"
                    gset = f" \\gset g{number}_"
        return text + (gset if gset else ";")


def transactions(items: list[Stmt | Mark]) -> tuple[list[list[Stmt | Mark]], int]:
    """Group the record into transactions, in the order they began. The app may hold two connections
    at once (a transaction opened while another is still open); pgbench has one, so such a
    transaction runs whole, after the one that began before it. Returns (blocks, overlaps)."""
    blocks: list[list[Stmt | Mark]] = []
    current: dict[int, list[Stmt | Mark]] = {}
    overlaps = 0
    for it in items:
        if isinstance(it, Mark) and it.what == "BEGIN":
            if current:
                overlaps += 1
            block: list[Stmt | Mark] = [it]
            blocks.append(block)
            current[it.conn] = block
            continue
        block = current.get(it.conn) or []
        if not block:  # outside a transaction (autocommit): a block of its own
            blocks.append(block)
        block.append(it)
        if isinstance(it, Mark) and it.what in ("COMMIT", "ROLLBACK"):
            current.pop(it.conn, None)
    return blocks, overlaps


def render(items: list[Stmt | Mark], tokens: dict[str, str]) -> tuple[str, dict[str, Any]]:
    r = Renderer(tokens)
    body: list[str] = []
    n_stmt = n_tx = n_rollback = 0
    kinds: dict[str, int] = {}
    blocks, overlaps = transactions(items)
    number = 0
    for block in blocks:
        for it in block:
            number += 1
            if isinstance(it, Mark):
                n_tx += it.what == "BEGIN"
                n_rollback += it.what == "ROLLBACK"
                body.append(it.what + ";")
                continue
            n_stmt += 1
            verb = it.sql.split(None, 1)[0].upper()
            table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", it.sql, re.I)
            key = f"{verb} {table.group(1) if table else ''}".strip()
            kinds[key] = kinds.get(key, 0) + 1
            body.append(r.statement(it, number))
    header = [
        "-- one sandbox order (POST /v1/orders, amazon_us 10 USD, with an Idempotency-Key), captured from the app",
        f"-- {n_stmt} statements in {n_tx} transactions; run with pgbench -n -M prepared",
    ]
    sets = [f"\\set {v} random(1, 9000000000000000000)" for v in r.vars.values()]
    script = "\n".join(header + sets + body) + "\n"
    info = {
        "statements": n_stmt,
        "transactions": n_tx,
        "rollbacks": n_rollback,
        "overlapping_transactions": overlaps,
        "by_kind": kinds,
        "variables": len(r.vars),
    }
    return script, info


# --- the capture ------------------------------------------------------------------------------------


async def bump_sequences(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        seqs = await conn.fetch(
            "SELECT schemaname, sequencename, coalesce(last_value, 0) AS last FROM pg_sequences"
            " WHERE schemaname = 'public' ORDER BY sequencename"
        )
        for i, s in enumerate(seqs):
            target = max(SEQ_BASE + i * SEQ_STEP, s["last"] + 1000)
            name = f'"{s["schemaname"]}"."{s["sequencename"]}"'
            await conn.execute("SELECT setval($1::regclass, $2::bigint)", name, target)
    finally:
        await conn.close()


async def capture(api_key: str) -> tuple[str, dict[str, Any]]:
    from rewardkit.app import create_app
    from rewardkit.config import Settings

    settings = Settings(run_worker=False)  # no poller: only the request's own statements
    if settings.is_sqlite:
        raise SystemExit("the capture needs PostgreSQL (REWARDKIT_DATABASE_URL)")
    app = create_app(settings)
    ctx = getattr(app.state, "runtime", None) or app.state.ctx  # before and after the house change (bench.compare)
    rec = Recorder()
    headers = {"Authorization": f"Bearer {api_key}"}
    body = {"product_id": "amazon_us", "denomination": 10, "currency": "USD"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            warm = await client.post("/v1/orders", json=body, headers={**headers, "Idempotency-Key": "bench-warm-up"})
            if warm.status_code != 200 or warm.json().get("status") != "fulfilled":
                raise SystemExit(f"warm-up order failed: {warm.status_code} {warm.text[:500]}")
            await bump_sequences(settings.database_url.replace("postgresql+asyncpg://", "postgresql://"))
            detach = attach(ctx.db.engine.sync_engine, rec)
            undo = patch_generators(rec, ctx.keyring, api_key)
            idem_key = f"bench-capture-{uuid.uuid4().hex}"
            try:
                rec.on = True
                rec.tokens[idem_key] = "bench-"
                resp = await client.post("/v1/orders", json=body, headers={**headers, "Idempotency-Key": idem_key})
                rec.on = False
            finally:
                undo()
                detach()
            if resp.status_code != 200 or resp.json().get("status") != "fulfilled":
                raise SystemExit(f"captured order failed: {resp.status_code} {resp.text[:500]}")
    script, info = render(rec.items, rec.tokens)
    info["order_id"] = resp.json()["id"]
    return script, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--out", required=True, help="the pgbench script to write")
    ap.add_argument("--json", help="write the statement counts here")
    args = ap.parse_args()
    script, info = asyncio.run(capture(args.api_key))
    with open(args.out, "w") as f:
        f.write(script)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(info, f, indent=2)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
