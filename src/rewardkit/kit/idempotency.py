"""Idempotency keys after the IETF draft "The Idempotency-Key HTTP Header Field" and brandur.org.

A key is scoped to (org, mode). Its record holds a fingerprint of the request; the first request
claims it in its own short transaction. The work records the resource it created (`resource_id`)
in the work's own transaction; once the response is known it is stored for replay. A failed
operation releases the key so that a corrected retry can run. A record left in flight by a killed
process can be taken over, and then `resource_id` tells the retry what was already done, so it
finishes that resource instead of creating another.

Takeover (docs/api.md "Idempotency"): each serving process registers itself in
`idempotency_owners` and renews its heartbeat every lease/3 seconds; the records it claims name it
as `owner`. A retry takes over a record whose owner's heartbeat is older than the lease (the
process is gone: killed, crashed, its host lost) within a few seconds, never one whose owner is
alive, up to the lock timeout, which bounds how long any request may hold a key (a request that
failed unexpectedly inside a live process). Records without an owner (a process that runs no
heartbeat, or written before it existed) keep the lock timeout alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    JSON,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit import sql
from rewardkit.kit.crypto import Keyring, Sealed
from rewardkit.kit.db import Base, BigIntPK, Database, UTCDateTime, utcnow
from rewardkit.kit.errors import IdempotencyKeyInFlight, IdempotencyKeyInvalid, IdempotencyKeyReused

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
log = logging.getLogger("rewardkit.idempotency")



class NewClaim(NamedTuple):
    """A key to claim in a batch (claim_many), naming the resource the request will create."""

    org_id: str
    mode: str
    key: str
    fingerprint: str
    resource_id: str


class Answer(NamedTuple):
    """A response to store for a claimed key (complete_write)."""

    record_id: int
    status: int
    body: Any

class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("org_id", "mode", "key", name="uq_idempotency_scope"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(4))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # in_flight | completed
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resource_id: Mapped[str | None] = mapped_column(String(40))
    # The process working on it (IdempotencyOwner.id); None: only the lock timeout frees it.
    owner: Mapped[str | None] = mapped_column(String(80))
    response_status: Mapped[int | None] = mapped_column(Integer)
    # The stored response may hold voucher codes, so it is encrypted like them.
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# Stored responses hold voucher codes: re-encrypted after a rotation like them (kit/rekey.py).
SEALED = Sealed(IdempotencyRecord, ("response_body",))


class IdempotencyOwner(Base):
    """A process that claims keys, alive while its heartbeat is younger than the lease."""

    __tablename__ = "idempotency_owners"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())


def owner_id() -> str:
    """Readable for an operator (host and pid), unique even when a pid is reused."""
    return f"{socket.gethostname()[:50]}/{os.getpid()}/{secrets.token_hex(4)}"


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise IdempotencyKeyInvalid(f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters, for example a UUID.")
    return key


@dataclass
class Claim:
    record_id: int
    resource_id: str | None  # set when a previous, interrupted attempt already did the work


@dataclass
class Replay:
    status: int
    body: Any
    headers: dict[str, str]


_RECORDS = sql.table(IdempotencyRecord)
# The fast claim (claim_in, claim_many): which keys were claimed is told by what comes back.
_INSERT_IGNORE_MANY = {
    name: dialect.insert(_RECORDS)
    .on_conflict_do_nothing(index_elements=["org_id", "mode", "key"])
    .returning(_RECORDS.c.id, _RECORDS.c.org_id, _RECORDS.c.mode, _RECORDS.c.key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_COMPLETE = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("record_id"), _RECORDS.c.status == "in_flight")
    .values(
        status="completed",
        response_status=bindparam("response_status"),
        response_body=bindparam("response_body"),
        response_headers=bindparam("response_headers"),
    )
)


class IdempotencyStore:
    def __init__(
        self, db: Database, keyring: Keyring, ttl_hours: int, lock_seconds: int, lease_seconds: float = 10
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.ttl = timedelta(hours=ttl_hours)
        self.lock = timedelta(seconds=lock_seconds)
        self.lease = timedelta(seconds=lease_seconds)
        # Set by start(): the records this process claims name it, so they can be taken over soon
        # after it dies. None: no heartbeat runs here (CLI commands), only the lock timeout applies.
        self.owner: str | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Register this process and keep its heartbeat fresh until aclose(): from now on, the keys it
        claims can be taken over within about a lease of its death, and never while it lives."""
        if self._heartbeat is not None:
            return
        me = owner_id()
        now = utcnow()
        async with self.db.unit_of_work() as s:
            # Rows of processes long gone: a missing owner counts as dead, so this only tidies.
            await s.execute(delete(IdempotencyOwner).where(IdempotencyOwner.heartbeat_at <= now - self.ttl))
            s.add(IdempotencyOwner(id=me, heartbeat_at=now, started_at=now))
        self.owner = me
        self._heartbeat = asyncio.create_task(self._beat(me))

    async def _beat(self, me: str) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.db.unit_of_work() as s:
                    res = await s.execute(
                        update(IdempotencyOwner).where(IdempotencyOwner.id == me).values(heartbeat_at=utcnow())
                    )
                    if not res.rowcount:  # type: ignore[attr-defined]
                        s.add(IdempotencyOwner(id=me, heartbeat_at=utcnow(), started_at=utcnow()))
            except Exception as exc:  # a database hiccup: beat again at the next interval
                log.warning("idempotency heartbeat failed: %s", type(exc).__name__)

    async def aclose(self) -> None:
        """Stop the heartbeat and unregister: what this process still held is free at once (it is
        called after the runtime's background work has finished)."""
        task, self._heartbeat = self._heartbeat, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        me, self.owner = self.owner, None
        try:
            async with self.db.unit_of_work() as s:
                await s.execute(delete(IdempotencyOwner).where(IdempotencyOwner.id == me))
        except Exception as exc:  # shutting down anyway: the lease runs out instead
            log.warning("idempotency owner not unregistered: %s", type(exc).__name__)

    def _takeover(self, now: datetime) -> Any:
        """Which in-flight records a retry may take: the owner is gone (no heartbeat within the lease),
        or the lock timeout has passed (no owner, or a request stuck in a live process)."""
        alive = exists().where(
            IdempotencyOwner.id == IdempotencyRecord.owner, IdempotencyOwner.heartbeat_at > now - self.lease
        )
        return or_(
            IdempotencyRecord.locked_at <= now - self.lock,
            and_(IdempotencyRecord.owner.is_not(None), ~alive),
        )

    async def claim(self, org_id: str, mode: str, key: str, fp: str) -> Claim | Replay:
        now = utcnow()
        try:
            async with self.db.unit_of_work() as s:
                rec = IdempotencyRecord(
                    org_id=org_id,
                    mode=mode,
                    key=key,
                    fingerprint=fp,
                    status="in_flight",
                    locked_at=now,
                    owner=self.owner,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
                s.add(rec)
                await s.flush()
                return Claim(rec.id, None)
        except IntegrityError:
            pass
        async with self.db.unit_of_work() as s:
            rec2 = (
                await s.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.org_id == org_id,
                        IdempotencyRecord.mode == mode,
                        IdempotencyRecord.key == key,
                    )
                )
            ).scalar_one_or_none()
            # None: released between our insert and this read. Either way, claim again once this
            # transaction is over (not inside it: that would hold two connections).
            if rec2 is not None and rec2.expires_at <= now:
                await s.delete(rec2)
                await s.flush()
                rec2 = None
        if rec2 is None:
            return await self.claim(org_id, mode, key, fp)
        if rec2.fingerprint != fp:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request body or endpoint. "
                "Use a new key for a new request."
            )
        if rec2.status == "completed":
            assert rec2.response_status is not None and rec2.response_body is not None
            return Replay(
                rec2.response_status,
                orjson.loads(self.keyring.decrypt(rec2.response_body)),
                rec2.response_headers or {},
            )
        # In flight: either still running (409) or its process died (take it over). One guarded
        # UPDATE: of two retries racing for a dead owner's key, exactly one takes it.
        async with self.db.unit_of_work() as s:
            taken = await s.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.id == rec2.id,
                    IdempotencyRecord.status == "in_flight",
                    self._takeover(now),
                )
                .values(locked_at=now, owner=self.owner)
            )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return Claim(rec2.id, rec2.resource_id)
        raise IdempotencyKeyInFlight(
            "A request with this Idempotency-Key is still being processed. Retry shortly.",
            headers={"Retry-After": "1"},
        )

    async def claim_in(
        self, s: AsyncSession, org_id: str, mode: str, key: str, fp: str, resource_id: str
    ) -> int | None:
        """The fast claim: inside the work's own transaction, already naming the resource it creates.
        None if the key exists (then roll back and take the full path: claim()). A concurrent
        request with the same key waits on the unique index until this transaction ends."""
        [record_id] = await self.claim_many(s, [NewClaim(org_id, mode, key, fp, resource_id)])
        return record_id

    async def claim_many(self, s: AsyncSession, claims: list[NewClaim]) -> list[int | None]:
        """claim_in for a batch, each scope and key at most once: one multi-row insert. Returns each
        record id, or None where the key exists."""
        if not claims:
            return []
        now = utcnow()
        rows = [
            {
                "org_id": org_id,
                "mode": mode,
                "key": key,
                "fingerprint": fp,
                "status": "in_flight",
                "locked_at": now,
                "owner": self.owner,
                "resource_id": resource_id,
                "created_at": now,
                "expires_at": now + self.ttl,
            }
            for org_id, mode, key, fp, resource_id in claims
        ]
        if len({(r["org_id"], r["mode"], r["key"]) for r in rows}) != len(rows):
            raise ValueError("a batch may claim each key once")
        result = await sql.run(s, _INSERT_IGNORE_MANY[s.get_bind().dialect.name], rows)
        got = {(r.org_id, r.mode, r.key): r.id for r in result}
        return [got.get((org_id, mode, key)) for org_id, mode, key, _, _ in claims]

    def complete_write(self, answers: list[Answer]) -> sql.Update:
        """complete() for a batch, as a write for sql.write_all (one round trip with the batch's other
        rows)."""
        rows = [
            {
                "id": record_id,
                "status": "completed",
                "response_status": status,
                "response_body": self.keyring.encrypt(orjson.dumps(body).decode()),
                "response_headers": {},
            }
            for record_id, status, body in answers
        ]
        return sql.Update(_RECORDS, where=("id",), rows=rows, only=(("status", "in_flight"),))

    async def attach(self, s: AsyncSession, record_id: int, resource_id: str) -> None:
        """Record, in the work's own transaction, which resource this key created."""
        await s.execute(
            update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(resource_id=resource_id)
        )

    async def complete(
        self, s: AsyncSession, record_id: int, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        """Store the response for replay. Only once: the first final answer stored is the one replayed."""
        values = {
            "response_status": status,
            "response_body": self.keyring.encrypt(orjson.dumps(body).decode()),
            "response_headers": headers or {},
        }
        await sql.run(s, _COMPLETE, {"record_id": record_id, **values})

    async def release(self, record_id: int) -> None:
        """The operation failed before doing anything: forget the key so a corrected retry runs."""
        async with self.db.unit_of_work() as s:
            await s.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == record_id, IdempotencyRecord.resource_id.is_(None)
                )
            )

    async def purge_expired(self) -> int:
        async with self.db.unit_of_work() as s:
            res = await s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
        return int(res.rowcount)  # type: ignore[attr-defined]
