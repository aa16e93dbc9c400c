"""The inventory supplier: importing codes (service, CLI, API), codes at rest, and orders fulfilled from
stock, exactly once per code under concurrency."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from rewardkit.catalog.errors import ProductNotFound
from rewardkit.config import Settings
from rewardkit.events.models import Event
from rewardkit.events.service import data_of
from rewardkit.runtime import Runtime
from rewardkit.suppliers import inventory_service
from rewardkit.suppliers.adapters.http import HttpSupplier
from rewardkit.suppliers.adapters.inventory import InventorySupplier
from rewardkit.suppliers.base import OutOfStock, PlaceRequest
from rewardkit.suppliers.inventory_service import InventoryImportInvalid
from rewardkit.suppliers.registry import Registry
from tests.conftest import MakeOrg, order_body
from tests.suppliers import new_product, overridden, registry, retire_products, settle

NewProduct = Callable[..., Awaitable[str]]


@pytest.fixture
async def product(ctx: Runtime) -> AsyncIterator[NewProduct]:
    """product("stem") -> a fresh USD product sold in 10.00 and 25.00, hidden again after the test."""
    made: list[str] = []

    async def make(stem: str = "p", fixed: list[int] | None = None) -> str:
        pid = await new_product(ctx, stem, fixed)
        made.append(pid)
        return pid

    yield make
    await retire_products(ctx, made)


def codes(n: int, amount: str = "10.00", **extra: Any) -> list[dict[str, Any]]:
    tag = secrets.token_hex(4).upper()
    return [{"code": f"STK-{tag}-{i:04d}", "pin": f"{i:04d}", "amount": amount, **extra} for i in range(n)]


async def do_import(ctx: Runtime, pid: str, rows: list[dict[str, Any]]) -> int:
    async with ctx.db.unit_of_work() as s:
        return await inventory_service.import_codes(s, ctx.keyring, pid, rows)


async def stock(ctx: Runtime, pid: str) -> dict[str, tuple[int, int, int]]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await inventory_service.counts(s, pid)
    return {r["amount"]["value"]: (r["available"], r["used"], r["expired"]) for r in rows}


def request(pid: str, reference: str | None = None, amount: int = 1000, mode: str = "test") -> PlaceRequest:
    return PlaceRequest(
        reference=reference or f"ord_inv_{secrets.token_hex(6)}",
        mode=mode,
        product_id=pid,
        currency="USD",
        amount=amount,
        validity_days=None,
        created_at=datetime.now(UTC),
    )


async def low_stock_events(ctx: Runtime, pid: str) -> list[dict[str, Any]]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (
            await s.execute(select(Event).where(Event.type == "inventory.low_stock", Event.org_id.is_(None)))
        ).scalars()
        found = [data_of(ctx.keyring, e) for e in rows]
    return [d for d in found if d["product_id"] == pid]


# --- import (service) -----------------------------------------------------------------------------


async def test_import_stores_codes_encrypted_and_counts_them(ctx: Runtime, product: NewProduct) -> None:
    pid = await product("enc")
    later = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    rows = [*codes(2), {"code": "  BIG-ONE-4242  ", "pin": "7777", "amount": "25", "expires_at": later}]
    assert await do_import(ctx, pid, rows) == 3
    assert await stock(ctx, pid) == {"10.00": (2, 0, 0), "25.00": (1, 0, 0)}

    async with ctx.db.unit_of_work(readonly=True) as s:
        stored = (
            (await s.execute(text("SELECT * FROM inventory_codes WHERE product_id = :p"), {"p": pid})).mappings().all()
        )
    everything = " ".join(str(v) for row in stored for v in row.values())
    for row in rows:
        assert row["code"].strip() not in everything
        assert f"'{row['pin']}'" not in repr([dict(r) for r in stored])
    big = next(r for r in stored if r["amount"] == 2500)
    assert ctx.keyring.decrypt(big["code"]) == "BIG-ONE-4242"  # trimmed, then encrypted
    assert ctx.keyring.decrypt(big["pin"]) == "7777"
    assert big["code_hash"] == ctx.keyring.hash("BIG-ONE-4242")
    assert big["status"] == "available" and big["order_id"] is None and big["expires_at"] is not None


async def test_a_bad_file_imports_nothing_and_reports_every_row(ctx: Runtime, product: NewProduct) -> None:
    pid = await product("bad")
    good = codes(1)[0]
    rows = [
        good,
        {"code": "", "amount": "10.00"},
        {"code": "X" * 201, "amount": "10.00"},
        {"code": "NOT-A-DENOMINATION", "amount": "12.00"},
        {"code": "NOT-A-NUMBER", "amount": "ten"},
        {"code": "NO-AMOUNT"},
        {"code": "BAD-DATE", "amount": "10", "expires_at": "31/12/2030"},
        {"code": "EXPIRED", "amount": "10", "expires_at": "2020-01-01"},
        {"code": good["code"], "amount": "25.00"},
        {"code": "TOO-PRECISE", "amount": "10.001"},
        {"code": "OFF-THE-CALENDAR", "amount": "10", "expires_at": "9999-12-31T23:59:59-01:00"},
    ]
    with pytest.raises(InventoryImportInvalid) as exc:
        await do_import(ctx, pid, rows)
    problem = exc.value
    assert problem.status == 422 and problem.code == "inventory_import_invalid"
    assert [(e["row"], e["field"]) for e in problem.errors or []] == [
        (2, "code"),
        (3, "code"),
        (4, "amount"),
        (5, "amount"),
        (6, "amount"),
        (7, "expires_at"),
        (8, "expires_at"),
        (9, "code"),
        (10, "amount"),
        (11, "expires_at"),
    ]
    assert "row 1" in (problem.errors or [])[7]["message"]
    assert await stock(ctx, pid) == {}  # all or nothing

    # A code already stored is refused the second time, and takes the rest of its batch down with it.
    assert await do_import(ctx, pid, [good]) == 1
    with pytest.raises(InventoryImportInvalid) as again:
        await do_import(ctx, pid, [*codes(2), dict(good)])
    assert again.value.errors == [{"row": 3, "field": "code", "message": "this code was imported before"}]
    assert await stock(ctx, pid) == {"10.00": (1, 0, 0)}


async def test_import_for_an_unknown_product_is_refused(ctx: Runtime) -> None:
    with pytest.raises(ProductNotFound):
        await do_import(ctx, "no_such_product_here", codes(1))
    with pytest.raises(InventoryImportInvalid):
        await do_import(ctx, "amazon_us", [])


def test_csv_parsing() -> None:
    rows = inventory_service.parse_csv("\ufeffCode,PIN,Amount,Expires_At\nA-1,12,10.00,\n\n B-2 ,,25,2030-01-01\n")
    assert rows == [
        {"code": "A-1", "pin": "12", "amount": "10.00", "expires_at": ""},
        {"code": "B-2", "pin": "", "amount": "25", "expires_at": "2030-01-01"},
    ]
    with pytest.raises(InventoryImportInvalid):
        inventory_service.parse_csv("code,pin\nA-1,12\n")


# --- import (CLI, a real subprocess on the session's database) -------------------------------------


async def _cli(database_url: str, settings: Settings, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(
        REWARDKIT_DATABASE_URL=database_url,
        REWARDKIT_SECRET_KEYS=settings.secret_keys,
        REWARDKIT_SECRET_FILE=str(cwd / "secret.key"),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rewardkit.cli",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_imports_a_csv_and_counts(
    ctx: Runtime, product: NewProduct, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    pid = await product("cli")
    tag = secrets.token_hex(4).upper()
    good = tmp_path / "codes.csv"
    good.write_text(
        f"code,pin,amount,expires_at\nCLI-{tag}-1,1111,10.00,\nCLI-{tag}-2,,10.00,2031-06-30\nCLI-{tag}-3,3333,25.00,\n"
    )
    code, out, err = await _cli(database_url, settings, tmp_path, "inventory", "import", pid, str(good), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["imported"] == 3 and result["product_id"] == pid
    assert await stock(ctx, pid) == {"10.00": (2, 0, 0), "25.00": (1, 0, 0)}

    # the codes were encrypted with the same keys as the app's: the adapter hands them out
    supplier = InventorySupplier("inventory", ctx.db, ctx.keyring, ctx.events, modes=("test", "live"))
    placed = await supplier.place(request(pid, amount=2500))
    assert placed.code == f"CLI-{tag}-3" and placed.pin == "3333"

    code, out, err = await _cli(database_url, settings, tmp_path, "inventory", "counts", "--product", pid, "--json")
    assert code == 0, err
    counted = {(r["amount"]["minor_units"], r["available"], r["used"]) for r in json.loads(out)}
    assert counted == {(1000, 2, 0), (2500, 0, 1)}
    code, out, err = await _cli(database_url, settings, tmp_path, "inventory", "counts", "--product", pid)
    assert code == 0 and pid in out and "available" in out

    # a bad file: exit 1, every bad row on stderr, nothing imported; a repeat of the good file is refused
    bad = tmp_path / "bad.csv"
    bad.write_text(f"code,pin,amount,expires_at\nCLI-{tag}-4,,10.00,\n,,10.00,\nCLI-{tag}-5,,99.00,\n")
    code, out, err = await _cli(database_url, settings, tmp_path, "inventory", "import", pid, str(bad))
    assert code == 1 and out == ""
    assert "row 2: code: is required" in err and "row 3: amount:" in err
    code, out, err = await _cli(database_url, settings, tmp_path, "inventory", "import", pid, str(good), "--json")
    assert code == 1 and json.loads(err)["code"] == "inventory_import_invalid"
    assert len(json.loads(err)["errors"]) == 3
    headerless = tmp_path / "headerless.csv"
    headerless.write_text(f"CLI-{tag}-6,,10.00,\n")
    code, out, err = await _cli(database_url, settings, tmp_path, "inventory", "import", pid, str(headerless))
    assert code == 1 and "header" in err
    assert await stock(ctx, pid) == {"10.00": (2, 0, 0), "25.00": (0, 1, 0)}


# --- the adapter ----------------------------------------------------------------------------------


async def test_place_is_idempotent_and_runs_out(ctx: Runtime, product: NewProduct) -> None:
    pid = await product("idem")
    imported = codes(2)
    await do_import(ctx, pid, imported)
    supplier = InventorySupplier(
        "inventory", ctx.db, ctx.keyring, ctx.events, modes=("test", "live"), low_stock_threshold=0
    )
    assert (await supplier.quote(pid, "USD", 1000)).stock == 2

    first = request(pid)
    a = await supplier.place(first)
    again = await supplier.place(first)
    assert a.status == "fulfilled" and a.code == again.code and a.pin == again.pin
    assert a.supplier_ref == again.supplier_ref and a.supplier_ref and a.supplier_ref.startswith("inv_")
    assert await supplier.status(first) == a
    assert await supplier.cancel(first) is False  # handed out: it cannot be taken back

    b = await supplier.place(request(pid))
    assert {a.code, b.code} == {c["code"] for c in imported}
    with pytest.raises(OutOfStock):
        await supplier.place(request(pid))
    with pytest.raises(OutOfStock):
        await supplier.place(request(pid, amount=2500))  # another denomination has its own stock
    assert await supplier.quote(pid, "USD", 1000) == (await supplier.quote(pid, "USD", 2500))
    assert (await supplier.quote(pid, "USD", 1000)).available is False
    assert await stock(ctx, pid) == {"10.00": (0, 2, 0)}
    assert await supplier.place(first) == a  # still the same code, long after


async def test_concurrent_place_for_one_reference_takes_one_code(ctx: Runtime, product: NewProduct) -> None:
    pid = await product("same")
    await do_import(ctx, pid, codes(5))
    supplier = InventorySupplier("inventory", ctx.db, ctx.keyring, ctx.events, modes=("test", "live"))
    req = request(pid)
    results = await asyncio.gather(*[supplier.place(req) for _ in range(5)])
    assert len({r.code for r in results}) == 1
    assert await stock(ctx, pid) == {"10.00": (4, 1, 0)}


async def test_low_stock_event_only_when_crossing_the_threshold(ctx: Runtime, product: NewProduct) -> None:
    pid = await product("low")
    await do_import(ctx, pid, codes(4))
    supplier = InventorySupplier(
        "inventory", ctx.db, ctx.keyring, ctx.events, modes=("test", "live"), low_stock_threshold=2
    )
    for _ in range(4):  # remaining 3, 2, 1 (crossed), 0
        await supplier.place(request(pid))
    events = await low_stock_events(ctx, pid)
    assert len(events) == 1
    assert events[0]["remaining"] == 1 and events[0]["threshold"] == 2
    assert events[0]["amount"] == {"currency": "USD", "minor_units": 1000, "value": "10.00"}


async def test_expired_codes_are_never_handed_out(ctx: Runtime, product: NewProduct) -> None:
    pid = await product("exp")
    await do_import(ctx, pid, codes(1))
    async with ctx.db.unit_of_work() as s:  # let it expire
        await s.execute(
            text("UPDATE inventory_codes SET expires_at = :t WHERE product_id = :p"),
            {"t": datetime.now(UTC) - timedelta(days=1), "p": pid},
        )
    supplier = InventorySupplier("inventory", ctx.db, ctx.keyring, ctx.events, modes=("test", "live"))
    with pytest.raises(OutOfStock):
        await supplier.place(request(pid))
    assert await stock(ctx, pid) == {"10.00": (0, 0, 1)}


def test_suppliers_file_builds_inventory_and_http(ctx: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "suppliers.json"
    path.write_text(
        json.dumps(
            {
                "suppliers": {
                    "stock": {"type": "inventory", "low_stock_threshold": 3},
                    "acme": {
                        "type": "http",
                        "base_url": "https://vendor.example/v1/",
                        "auth_header": "Bearer x",
                        "timeout": 4,
                        "failure_threshold": 2,
                        "reset_seconds": 9,
                    },
                },
                "routes": {"amazon_us": ["stock", "acme"], "*": ["acme"]},
            }
        )
    )
    reg = Registry.from_file(str(path), ctx)
    stock_sup, acme = reg.get("stock"), reg.get("acme")
    assert isinstance(stock_sup, InventorySupplier) and stock_sup.low_stock_threshold == 3
    assert isinstance(acme, HttpSupplier) and acme.base_url == "https://vendor.example/v1"
    assert acme.breaker.failure_threshold == 2 and acme.breaker.reset_seconds == 9 and acme.timeout == 4
    assert "Bearer x" not in repr(acme)
    assert [s.name for s in reg.route("live", "amazon_us")] == ["stock", "acme"]
    # inventory and http are live-only by default: a test key never draws a real code
    assert [s.name for s in reg.route("test", "amazon_us")] == ["sandbox"]
    path.write_text(json.dumps({"suppliers": {"x": {"type": "http", "base_url": "ftp://nope", "auth_header": "a"}}}))
    with pytest.raises(ValueError, match="base_url"):
        Registry.from_file(str(path), ctx)
    path.write_text(json.dumps({"suppliers": {"x": {"type": "inventory", "low_stock_threshold": -1}}}))
    with pytest.raises(ValueError, match="low_stock_threshold"):
        Registry.from_file(str(path), ctx)


# --- orders fulfilled from inventory --------------------------------------------------------------


@pytest.mark.parametrize("path", ["worker", "fast_path"])
async def test_thirty_orders_for_twenty_codes(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: Runtime,
    make_org: MakeOrg,
    product: NewProduct,
    db_kind: str,
    path: str,
    request: pytest.FixtureRequest,
) -> None:
    """30 orders at once for 20 codes: 20 fulfilled with 20 distinct codes, 10 refunded as out of stock.

    `worker`: the orders are booked at once, then fulfilled by 30 concurrent jobs (30 concurrent place()).
    `fast_path`: each request fulfils its own order inline, so refunds run while other orders are debited.
    """
    pid = await product("rush")
    imported = codes(20)
    await do_import(ctx, pid, imported)
    org = await make_org(USD="300.00")
    supplier = InventorySupplier(
        "inventory", ctx.db, ctx.keyring, ctx.events, modes=("test", "live")
    )  # low-stock threshold 10
    body = order_body(product_id=pid, denomination="10.00", metadata={"sandbox": "out_of_stock"})
    worker = app.state.worker
    concurrency = worker.concurrency
    sync = 0.0 if path == "worker" else ctx.settings.sync_fulfillment_timeout
    swapped = Registry([supplier], routes={pid: ["inventory"]})
    with registry(ctx, swapped), overridden(ctx, sync_fulfillment_timeout=sync):
        worker.concurrency = 30
        try:
            responses = await asyncio.gather(
                *[client.post("/v1/orders", json=body, headers=org.h()) for _ in range(30)], return_exceptions=True
            )
            ok = [r for r in responses if isinstance(r, httpx.Response) and r.status_code in (200, 202)]
            booked = [r.json()["id"] for r in ok]
            orders = await settle(app, client, booked, org.h())  # settle what was booked, even on a failure
        finally:
            worker.concurrency = concurrency
    assert len(booked) == 30, [r if isinstance(r, BaseException) else r.text for r in responses if r not in ok]

    fulfilled = [o for o in orders if o["status"] == "fulfilled"]
    refunded = [o for o in orders if o["status"] == "refunded"]
    assert len(fulfilled) == 20 and len(refunded) == 10
    handed = [o["voucher"]["code"] for o in fulfilled]
    assert sorted(handed) == sorted(c["code"] for c in imported)  # 20 distinct codes, each once
    assert {o["voucher"]["pin"] for o in fulfilled} == {c["pin"] for c in imported}
    assert all(o["timeline"][-1]["reason"] == "fulfilled by inventory" for o in fulfilled)
    assert all(o["failure"]["code"] == "out_of_stock" for o in refunded)

    balance = (await client.get("/v1/balances", headers=org.h())).json()["data"][0]
    assert balance["available"]["value"] == "100.00"  # 300.00 - 20 x 10.00
    assert balance["pending"]["minor_units"] == 0
    assert await stock(ctx, pid) == {"10.00": (0, 20, 0)}
    events = await low_stock_events(ctx, pid)
    assert len(events) == 1 and events[0]["remaining"] == 9

    async with ctx.db.unit_of_work(readonly=True) as s:
        used = (
            await s.execute(text("SELECT order_id FROM inventory_codes WHERE product_id = :p"), {"p": pid})
        ).scalars()
        assert sorted(used) == sorted(o["id"] for o in fulfilled)


# --- the operator API -----------------------------------------------------------------------------


async def test_operator_api(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, product: NewProduct) -> None:
    pid = await product("api")
    org = await make_org()
    url = f"/v1/inventory/{pid}/codes"
    batch = {"codes": [{"code": c["code"], "pin": c["pin"], "amount": c["amount"]} for c in codes(2)]}
    batch["codes"].append({"code": f"API-{secrets.token_hex(4)}", "amount": 25, "expires_at": "2031-01-01"})

    with overridden(ctx, operator_token=""):
        r = await client.post(url, json=batch, headers=org.h(**{"X-Operator-Token": "anything"}))
        assert r.status_code == 403 and r.json()["code"] == "operator_disabled"
        assert r.headers["content-type"] == "application/problem+json"
        r = await client.get("/v1/inventory", headers=org.h())
        assert r.status_code == 403 and r.json()["code"] == "operator_disabled"

    token = secrets.token_urlsafe(24)
    with overridden(ctx, operator_token=token):
        assert (await client.post(url, json=batch, headers={"X-Operator-Token": token})).status_code == 401
        for wrong in ({}, {"X-Operator-Token": "nope"}):
            r = await client.post(url, json=batch, headers=org.h(**wrong))
            assert r.status_code == 403 and r.json()["code"] == "operator_token_invalid"
        op = org.h(**{"X-Operator-Token": token})

        r = await client.post(url, json=batch, headers=op)
        assert r.status_code == 201, r.text
        assert r.json()["imported"] == 3 and r.json()["object"] == "inventory_import"
        r = await client.get("/v1/inventory", params={"product_id": pid}, headers=op)
        assert r.status_code == 200
        assert [(c["amount"]["value"], c["available"], c["used"]) for c in r.json()["data"]] == [
            ("10.00", 2, 0),
            ("25.00", 1, 0),
        ]
        everything = (await client.get("/v1/inventory", headers=op)).json()["data"]
        assert any(c["product_id"] == pid for c in everything)

        again = await client.post(url, json=batch, headers=op)
        assert again.status_code == 422 and again.json()["code"] == "inventory_import_invalid"
        assert [e["row"] for e in again.json()["errors"]] == [1, 2, 3]
        bad = await client.post(url, json={"codes": [{"code": "", "amount": "1.00"}]}, headers=op)
        assert bad.status_code == 422
        assert {(e["field"], e["row"]) for e in bad.json()["errors"]} == {("code", 1), ("amount", 1)}
        too_many = {"codes": [{"code": f"c{i}", "amount": "10"} for i in range(1001)]}
        r = await client.post(url, json=too_many, headers=op)
        assert r.status_code == 422 and r.json()["code"] == "validation_error"
        r = await client.post(url, json={"codes": []}, headers=op)
        assert r.status_code == 422 and r.json()["code"] == "validation_error"
        r = await client.post("/v1/inventory/no_such_product/codes", json=batch, headers=op)
        assert r.status_code == 404 and r.json()["code"] == "product_not_found"
    assert await stock(ctx, pid) == {"10.00": (2, 0, 0), "25.00": (1, 0, 0)}
