"""Inventory: codes bought in bulk, uploaded by the operator, handed out by the `inventory` supplier.

An import is validated completely before anything is written, and is all or nothing: one bad row
(or a code already stored) rejects the whole file with a row-by-row list of problems.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.catalog import service as catalog
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import Problem
from rewardkit.kit.money import money
from rewardkit.suppliers.models import InventoryCode

MAX_CODE = 200
MAX_PIN = 200
CSV_COLUMNS = ("code", "pin", "amount", "expires_at")
_CHUNK = 500  # bound parameters per IN (...) lookup


class InventoryImportInvalid(Problem):
    """The codes were not imported: `errors` lists each bad row ({row, field, message}); nothing was written."""

    status, code, title = 422, "inventory_import_invalid", "The inventory codes are invalid"


def parse_csv(text: str) -> list[dict[str, str]]:
    """CSV with a header row: code, pin (optional), amount (major units), expires_at (optional ISO date)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("code", "amount") if c not in header]
    if missing:
        raise InventoryImportInvalid(
            f"The CSV needs a header row with the columns {', '.join(CSV_COLUMNS)} (missing: {', '.join(missing)})."
        )
    rows = []
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(row.values()):
            continue  # blank line
        rows.append(row)
    return rows


def _expiry(value: Any) -> datetime | None:
    """An ISO date (valid through that day, UTC) or an ISO datetime (naive = UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time.max)
    else:
        text = str(value).strip()
        if len(text) == 10:
            dt = datetime.combine(date.fromisoformat(text), time.max)
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


async def import_codes(s: AsyncSession, keyring: Keyring, product_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Validate every row, then store them all encrypted; returns how many were imported.

    Each row: code (1-200 characters), pin (optional), amount (major units, a denomination of the
    product), expires_at (optional ISO date or datetime). Raises ProductNotFound or InventoryImportInvalid.
    """
    product = await catalog.get_product(s, None, product_id, include_inactive=True)
    now = utcnow()
    errors: list[dict[str, Any]] = []
    good: list[dict[str, Any]] = []
    seen: dict[str, int] = {}  # code -> first row
    rows = list(rows)
    if not rows:
        raise InventoryImportInvalid("There are no codes to import.")

    for n, row in enumerate(rows, start=1):
        row_errors: list[dict[str, Any]] = []

        def bad(field: str, message: str, n: int = n, row_errors: list[dict[str, Any]] = row_errors) -> None:
            row_errors.append({"row": n, "field": field, "message": message})

        code = row.get("code")
        code = code.strip() if isinstance(code, str) else ""
        if not code:
            bad("code", "is required")
        elif len(code) > MAX_CODE:
            bad("code", f"is longer than {MAX_CODE} characters")
        elif code in seen:
            bad("code", f"duplicate code (also in row {seen[code]})")
        else:
            seen[code] = n

        pin = row.get("pin")
        if pin is not None and not isinstance(pin, str):
            bad("pin", "must be a string")
            pin = None
        pin = (pin or "").strip() or None
        if pin is not None and len(pin) > MAX_PIN:
            bad("pin", f"is longer than {MAX_PIN} characters")

        amount_raw = row.get("amount")
        minor = None
        if amount_raw is None or (isinstance(amount_raw, str) and not amount_raw.strip()):
            bad("amount", "is required")
        elif isinstance(amount_raw, bool):
            bad("amount", 'must be a number in major units, e.g. "25.00"')
        else:
            try:
                minor = catalog.face_value(product, product.currency, Decimal(str(amount_raw).strip()))
            except InvalidOperation:
                bad("amount", f"{amount_raw!r} is not a number")
            except Problem as p:
                bad("amount", p.detail)

        expires = None
        try:
            expires = _expiry(row.get("expires_at"))
        except (TypeError, ValueError, OverflowError):
            bad("expires_at", "must be an ISO date (2027-12-31) or datetime (2027-12-31T23:59:59Z)")
        if expires is not None and expires <= now:
            bad("expires_at", "is in the past")

        if row_errors:
            errors.extend(row_errors)
            continue
        good.append({"row": n, "code": code, "pin": pin, "amount": minor, "expires_at": expires})

    # Codes stored before (under any key of the keyring, so a rotated key still catches them).
    by_hash: dict[str, int] = {}
    for item in good:
        for h in keyring.hashes(item["code"]):
            by_hash[h] = item["row"]
    hashes = list(by_hash)
    stored: set[str] = set()
    for i in range(0, len(hashes), _CHUNK):
        chunk = hashes[i : i + _CHUNK]
        found = await s.execute(select(InventoryCode.code_hash).where(InventoryCode.code_hash.in_(chunk)))
        stored.update(found.scalars())
    for h in sorted(stored, key=lambda h: by_hash[h]):
        errors.append({"row": by_hash[h], "field": "code", "message": "this code was imported before"})

    if errors:
        errors.sort(key=lambda e: e["row"])
        raise InventoryImportInvalid(f"{len(errors)} problem(s) in the codes; nothing was imported.", errors=errors)

    values = [
        {
            "product_id": product.id,
            "currency": product.currency,
            "amount": item["amount"],
            "code": keyring.encrypt(item["code"]),
            "pin": keyring.encrypt(item["pin"]) if item["pin"] else None,
            "code_hash": keyring.hash(item["code"]),
            "expires_at": item["expires_at"],
            "status": "available",
            "order_id": None,
            "created_at": now,
            "used_at": None,
        }
        for item in good
    ]
    try:
        for i in range(0, len(values), _CHUNK):
            await s.execute(insert(InventoryCode), values[i : i + _CHUNK])
    except IntegrityError as exc:  # the same code imported by a concurrent upload
        raise InventoryImportInvalid("A code in this file was imported at the same time by another upload.") from exc
    return len(values)


def _usable(now: datetime) -> Any:
    return and_(
        InventoryCode.status == "available",
        or_(InventoryCode.expires_at.is_(None), InventoryCode.expires_at > now),
    )


async def counts(s: AsyncSession, product_id: str | None = None) -> list[dict[str, Any]]:
    """Stock per product and denomination: available (usable now), used, and expired (never handed out)."""
    now = utcnow()
    expired = and_(InventoryCode.status == "available", InventoryCode.expires_at <= now)
    q = select(
        InventoryCode.product_id,
        InventoryCode.currency,
        InventoryCode.amount,
        func.sum(case((_usable(now), 1), else_=0)),
        func.sum(case((InventoryCode.status == "used", 1), else_=0)),
        func.sum(case((expired, 1), else_=0)),
    ).group_by(InventoryCode.product_id, InventoryCode.currency, InventoryCode.amount)
    if product_id is not None:
        q = q.where(InventoryCode.product_id == product_id)
    q = q.order_by(InventoryCode.product_id, InventoryCode.currency, InventoryCode.amount)
    return [
        {
            "product_id": pid,
            "currency": currency,
            "amount": money(int(amount), currency),
            "available": int(avail or 0),
            "used": int(used or 0),
            "expired": int(exp or 0),
        }
        for pid, currency, amount, avail, used, exp in (await s.execute(q)).all()
    ]


# --- handing codes out (the inventory supplier) ---------------------------------------------------


async def assigned(s: AsyncSession, order_id: str) -> InventoryCode | None:
    """The code already handed to this order, if any."""
    found = await s.execute(select(InventoryCode).where(InventoryCode.order_id == order_id))
    return found.scalar_one_or_none()


async def take(
    s: AsyncSession, product_id: str, currency: str, amount: int, order_id: str, now: datetime
) -> InventoryCode | None:
    """Mark the oldest usable code of this product and amount as used by `order_id`; None when none is left.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent orders each lock a different code without waiting;
    SQLite: the write transaction (BEGIN IMMEDIATE) already serialises them. The UPDATE is guarded by
    status='available' either way, so a code can never be handed out twice.
    """
    postgres = s.get_bind().dialect.name == "postgresql"
    for _ in range(5):
        pick = (
            select(InventoryCode.id)
            .where(
                InventoryCode.product_id == product_id,
                InventoryCode.amount == amount,
                InventoryCode.currency == currency,
                _usable(now),
            )
            .order_by(InventoryCode.id)
            .limit(1)
        )
        if postgres:
            pick = pick.with_for_update(skip_locked=True)
        code_id = (await s.execute(pick)).scalar_one_or_none()
        if code_id is None:
            return None
        res = await s.execute(
            update(InventoryCode)
            .where(InventoryCode.id == code_id, InventoryCode.status == "available")
            .values(status="used", order_id=order_id, used_at=now)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            found = await s.execute(
                select(InventoryCode).where(InventoryCode.id == code_id).execution_options(populate_existing=True)
            )
            return found.scalar_one()
    return None


async def remaining(s: AsyncSession, product_id: str, currency: str, amount: int, now: datetime) -> int:
    q = select(func.count()).where(
        InventoryCode.product_id == product_id,
        InventoryCode.amount == amount,
        InventoryCode.currency == currency,
        _usable(now),
    )
    return int((await s.execute(q)).scalar_one())


async def lock_stock(s: AsyncSession, product_id: str, currency: str, amount: int) -> None:
    """PostgreSQL: serialise the stock count of one product and amount until this transaction ends, so
    exactly one of several concurrent takers sees the count cross the low-stock threshold. (SQLite's
    write transaction is already exclusive.)"""
    if s.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"inventory:{product_id}:{currency}:{amount}".encode(), digest_size=8).digest()
    await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int.from_bytes(digest, "big", signed=True)})
