"""The `rewardkit` command line, run for real as a subprocess against the session's database."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from rewardkit.catalog.models import Product, ProductCountry, ProductDenomination
from rewardkit.config import Settings
from rewardkit.migrate import head_revision
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Awaitable[Result]]


async def _run(env: dict[str, str], cwd: Path, *args: str) -> Result:
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
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


def _env(database_url: str, secret_keys: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(
        REWARDKIT_DATABASE_URL=database_url,
        REWARDKIT_SECRET_KEYS=secret_keys,
        REWARDKIT_SECRET_FILE=str(tmp / "secret.key"),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def cli(ctx: Runtime, database_url: str, settings: Settings, tmp_path: Path) -> Cli:
    """cli("orgs", "create", ...) -> Result, on the same database and keys as the in-process `client`."""
    env = _env(database_url, settings.secret_keys, tmp_path)

    async def run(*args: str) -> Result:
        return await _run(env, tmp_path, *args)

    return run


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def new_org(cli: Cli) -> dict[str, Any]:
    r = await cli("orgs", "create", "--name", f"CLI org {secrets.token_hex(3)}", "--json")
    assert r.code == 0, r.err
    return dict(r.json())


async def balances(client: httpx.AsyncClient, key: str) -> dict[str, dict[str, Any]]:
    r = await client.get("/v1/balances", headers=bearer(key))
    assert r.status_code == 200, r.text
    return {b["currency"]: b for b in r.json()["data"]}


# --- orgs and keys --------------------------------------------------------------------------------


async def test_orgs_create_prints_exactly_id_name_and_both_keys(cli: Cli, client: httpx.AsyncClient) -> None:
    r = await cli("orgs", "create", "--name", "Acme Rewards", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert set(out) == {"id", "name", "api_keys"}
    assert set(out["api_keys"]) == {"test", "live"}
    assert out["id"].startswith("org_")
    assert out["name"] == "Acme Rewards"
    assert out["api_keys"]["test"].startswith("sk_test_")
    assert out["api_keys"]["live"].startswith("sk_live_")

    test = await client.get("/v1/balances", headers=bearer(out["api_keys"]["test"]))
    assert test.status_code == 200 and test.json()["livemode"] is False and test.json()["data"] == []
    live = await client.get("/v1/balances", headers=bearer(out["api_keys"]["live"]))
    assert live.status_code == 200 and live.json()["livemode"] is True

    listed = await cli("orgs", "list", "--json")
    assert listed.code == 0
    assert {"id": out["id"], "name": "Acme Rewards", "default_currency": "USD"} in listed.json()


async def test_orgs_create_without_json_shows_the_keys_once(cli: Cli) -> None:
    r = await cli("orgs", "create", "--name", "Plain output")
    assert r.code == 0, r.err
    assert "sk_test_" in r.out and "sk_live_" in r.out and "only once" in r.out


@pytest.mark.parametrize("args", [["--name", "  "], ["--name", "X", "--default-currency", "XYZ"], []])
async def test_orgs_create_refuses_bad_input(cli: Cli, args: list[str]) -> None:
    r = await cli("orgs", "create", *args, "--json")
    assert r.code != 0
    assert r.out == ""
    assert r.err.strip()


async def test_keys_create_and_revoke(cli: Cli, client: httpx.AsyncClient) -> None:
    org = await new_org(cli)
    r = await cli("keys", "create", "--org", org["id"], "--mode", "live", "--json")
    assert r.code == 0, r.err
    key = r.json()
    assert key["id"].startswith("key_") and key["org_id"] == org["id"] and key["mode"] == "live"
    assert key["secret"].startswith("sk_live_")
    ok = await client.get("/v1/balances", headers=bearer(key["secret"]))
    assert ok.status_code == 200 and ok.json()["livemode"] is True

    revoked = await cli("keys", "revoke", key["id"], "--json")
    assert revoked.code == 0, revoked.err
    assert revoked.json() == {"id": key["id"], "revoked": True}
    gone = await client.get("/v1/balances", headers=bearer(key["secret"]))
    assert gone.status_code == 401
    assert gone.json()["code"] == "invalid_api_key"
    # the org's other keys still work
    assert (await client.get("/v1/balances", headers=bearer(org["api_keys"]["live"]))).status_code == 200

    again = await cli("keys", "revoke", key["id"])
    assert again.code != 0 and key["id"] in again.err


async def test_keys_create_refuses_unknown_org_and_bad_mode(cli: Cli) -> None:
    r = await cli("keys", "create", "--org", "org_doesnotexist", "--mode", "test")
    assert r.code != 0 and "org_doesnotexist" in r.err and "sk_" not in r.out
    org = await new_org(cli)
    r = await cli("keys", "create", "--org", org["id"], "--mode", "prod")
    assert r.code != 0 and "--mode" in r.err and "sk_" not in r.out


async def test_keys_revoke_unknown_key_fails(cli: Cli) -> None:
    r = await cli("keys", "revoke", "key_doesnotexist")
    assert r.code != 0
    assert "key_doesnotexist" in r.err


async def test_orgs_create_shows_the_key_ids(cli: Cli) -> None:
    """The text output names each key's id; --json keeps its shape unless --key-ids asks for them."""
    plain = await cli("orgs", "create", "--name", "Ids in text")
    assert plain.code == 0, plain.err
    assert "test key key_" in plain.out and "live key key_" in plain.out

    r = await cli("orgs", "create", "--name", "Ids in JSON", "--key-ids", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert set(out) == {"id", "name", "api_keys", "api_key_ids"}
    assert set(out["api_key_ids"]) == {"test", "live"}
    listed = await cli("keys", "list", "--org", out["id"], "--json")
    assert listed.code == 0, listed.err
    by_mode = {k["mode"]: k for k in listed.json()}
    for mode in ("test", "live"):
        assert by_mode[mode]["id"] == out["api_key_ids"][mode]
        assert out["api_keys"][mode].endswith(by_mode[mode]["redacted"].rpartition("…")[2])


async def test_keys_list_shows_both_keys_without_secrets(cli: Cli) -> None:
    org = await new_org(cli)
    for args in (["--json"], []):
        r = await cli("keys", "list", "--org", org["id"], *args)
        assert r.code == 0, r.err
        for secret in org["api_keys"].values():
            assert secret not in r.out
        assert "hash" not in r.out
    rows = (await cli("keys", "list", "--org", org["id"], "--json")).json()
    assert sorted(k["mode"] for k in rows) == ["live", "test"]
    for k in rows:
        assert set(k) == {"id", "org_id", "mode", "redacted", "api_version", "created_at", "revoked_at"}
        assert k["id"].startswith("key_") and k["org_id"] == org["id"]
        assert k["redacted"].startswith(f"sk_{k['mode']}_…") and k["revoked_at"] is None and k["created_at"]

    text = await cli("keys", "list", "--org", org["id"])
    assert all(k["id"] in text.out for k in rows) and "active" in text.out

    unknown = await cli("keys", "list", "--org", "org_doesnotexist")
    assert unknown.code != 0 and "org_doesnotexist" in unknown.err and unknown.out == ""


async def test_keys_roll_replaces_the_key_in_one_step(cli: Cli, client: httpx.AsyncClient) -> None:
    org = await new_org(cli)
    before = {k["mode"]: k for k in (await cli("keys", "list", "--org", org["id"], "--json")).json()}
    old_id, old_secret = before["test"]["id"], org["api_keys"]["test"]

    r = await cli("keys", "roll", old_id, "--json")
    assert r.code == 0, r.err
    new = r.json()
    assert set(new) == {"id", "org_id", "mode", "secret", "revoked"}
    assert new["org_id"] == org["id"] and new["mode"] == "test" and new["revoked"] == old_id
    assert new["id"] != old_id and new["secret"].startswith("sk_test_") and new["secret"] != old_secret

    ok = await client.get("/v1/balances", headers=bearer(new["secret"]))
    assert ok.status_code == 200 and ok.json()["livemode"] is False
    gone = await client.get("/v1/balances", headers=bearer(old_secret))
    assert gone.status_code == 401 and gone.json()["code"] == "invalid_api_key"
    # the other mode's key is untouched
    assert (await client.get("/v1/balances", headers=bearer(org["api_keys"]["live"]))).status_code == 200

    after = {k["id"]: k for k in (await cli("keys", "list", "--org", org["id"], "--json")).json()}
    assert after[old_id]["revoked_at"] is not None
    assert after[new["id"]]["revoked_at"] is None and after[new["id"]]["mode"] == "test"
    assert after[before["live"]["id"]]["revoked_at"] is None
    assert len(after) == 3

    # a revoked key, or one that does not exist, cannot be rolled, and no key is made
    for key_id in (old_id, "key_doesnotexist"):
        again = await cli("keys", "roll", key_id)
        assert again.code != 0 and key_id in again.err and "sk_" not in again.out
    assert len((await cli("keys", "list", "--org", org["id"], "--json")).json()) == 3

    text = await cli("keys", "roll", new["id"])
    assert text.code == 0, text.err
    assert f"revoked {new['id']}" in text.out and "sk_test_" in text.out and "only once" in text.out


async def test_serve_demo_key_has_an_id_that_can_be_rolled(
    ctx: Runtime, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> None:
    """The serve banner prints the demo key's id (`_ensure_demo` returns it), the same on a restart."""
    from rewardkit.cli import _ensure_demo

    monkeypatch.setattr(ctx, "settings", settings.model_copy(update={"secret_file": str(tmp_path / "s.key")}))
    key_id, secret = await _ensure_demo(ctx)
    assert key_id.startswith("key_") and secret.startswith("sk_test_")
    assert await _ensure_demo(ctx) == (key_id, secret)
    saved = json.loads((tmp_path / "demo.json").read_text())
    assert saved["key_id"] == key_id and saved["test_key"] == secret

    rolled = await cli("keys", "roll", key_id, "--json")
    assert rolled.code == 0, rolled.err
    assert rolled.json()["org_id"] == saved["org_id"]


# --- where the CLI looks for its database --------------------------------------------------------


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def _bare_env(settings: Settings) -> dict[str, str]:
    """No REWARDKIT_DATABASE_URL (nor REWARDKIT_SECRET_FILE): the defaults, relative to the folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(REWARDKIT_SECRET_KEYS=settings.secret_keys, PYTHONUNBUFFERED="1")
    return env


@pytest.mark.parametrize(
    "args", [["ledger", "verify"], ["orgs", "list", "--json"], ["keys", "roll", "key_x"], ["worker"]]
)
async def test_a_data_command_outside_the_project_folder_says_where_it_looks(
    tmp_path: Path, settings: Settings, args: list[str]
) -> None:
    r = await _run(_bare_env(settings), tmp_path, *args)
    assert r.code != 0
    assert r.out == ""
    assert "Traceback" not in r.err
    line = r.err.strip()
    assert "\n" not in line
    assert str(tmp_path / "var" / "rewardkit.db") in line and "REWARDKIT_DATABASE_URL" in line
    assert "rewardkit migrate" in line
    assert _files(tmp_path) == []  # nothing created: no var/, no database, no secret file


async def test_a_data_command_on_an_unmigrated_database_says_run_migrate(tmp_path: Path, settings: Settings) -> None:
    db_file = tmp_path / "empty.db"
    db_file.touch()
    env = _env(f"sqlite+aiosqlite:///{db_file}", settings.secret_keys, tmp_path)
    r = await _run(env, tmp_path, "orgs", "list")
    assert r.code != 0 and r.out == ""
    assert "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    assert f"the database at {db_file} has no rewardkit schema: run `rewardkit migrate`" in r.err


async def test_migrate_still_creates_the_default_database_from_nothing(tmp_path: Path, settings: Settings) -> None:
    env = _bare_env(settings)
    migrated = await _run(env, tmp_path, "migrate")
    assert migrated.code == 0, migrated.err
    assert (tmp_path / "var" / "rewardkit.db").exists()
    listed = await _run(env, tmp_path, "orgs", "list", "--json")
    assert listed.code == 0, listed.err
    assert listed.json() == []


# --- wallets --------------------------------------------------------------------------------------


async def test_wallets_fund_shows_in_test_balances_only(cli: Cli, client: httpx.AsyncClient) -> None:
    org = await new_org(cli)
    r = await cli(
        "wallets",
        "fund",
        "--org",
        org["id"],
        "--currency",
        "USD",
        "--amount",
        "1000.00",
        "--mode",
        "test",
        "--json",
    )
    assert r.code == 0, r.err
    out = r.json()
    assert out["org_id"] == org["id"] and out["mode"] == "test" and out["currency"] == "USD"
    assert out["amount"] == "1000.00" and out["amount_minor"] == 100000 and out["available"] == "1000.00"
    assert out["transaction_id"]

    test = await balances(client, org["api_keys"]["test"])
    assert test["USD"]["available"] == {"currency": "USD", "minor_units": 100000, "value": "1000.00"}
    assert test["USD"]["pending"]["minor_units"] == 0
    live = await balances(client, org["api_keys"]["live"])
    assert "USD" not in live or live["USD"]["available"]["minor_units"] == 0

    # a second top-up adds up, in the currency's own minor units
    r = await cli("wallets", "fund", "--org", org["id"], "--currency", "jpy", "--amount", "5000", "--json")
    assert r.code == 0, r.err
    assert r.json()["amount_minor"] == 5000 and r.json()["currency"] == "JPY"
    r = await cli("wallets", "fund", "--org", org["id"], "--currency", "USD", "--amount", "0.50")
    assert r.code == 0 and "1000.50" in r.out
    test = await balances(client, org["api_keys"]["test"])
    assert test["USD"]["available"]["value"] == "1000.50"
    assert test["JPY"]["available"]["value"] == "5000"


async def test_wallets_fund_live_mode(cli: Cli, client: httpx.AsyncClient) -> None:
    org = await new_org(cli)
    r = await cli("wallets", "fund", "--org", org["id"], "--currency", "EUR", "--amount", "25", "--mode", "live")
    assert r.code == 0, r.err
    assert (await balances(client, org["api_keys"]["live"]))["EUR"]["available"]["value"] == "25.00"
    assert "EUR" not in await balances(client, org["api_keys"]["test"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--currency", "USD", "--amount", "abc"], "--amount"),
        (["--currency", "USD", "--amount", "1.001"], "decimal places"),
        (["--currency", "JPY", "--amount", "10.5"], "decimal places"),
        (["--currency", "USD", "--amount", "0"], "positive"),
        (["--currency", "USD", "--amount=-5"], "positive"),
        (["--currency", "USD", "--amount", "NaN"], "--amount"),
        (["--currency", "USD", "--amount", "Infinity"], "--amount"),
        (["--currency", "XYZ", "--amount", "10"], "XYZ"),
        (["--currency", "USD", "--amount", "10", "--mode", "prod"], "--mode"),
    ],
)
async def test_wallets_fund_refuses_bad_input_and_funds_nothing(
    cli: Cli, client: httpx.AsyncClient, make_org: MakeOrg, args: list[str], message: str
) -> None:
    org = await make_org()
    r = await cli("wallets", "fund", "--org", org.id, *args, "--json")
    assert r.code != 0, r.out
    assert message in r.err
    assert r.out == ""
    assert await balances(client, org.test_key) == {}
    assert await balances(client, org.live_key) == {}


async def test_wallets_fund_refuses_unknown_org(cli: Cli, ctx: Runtime) -> None:
    r = await cli("wallets", "fund", "--org", "org_doesnotexist", "--currency", "USD", "--amount", "10")
    assert r.code != 0
    assert "no organisation org_doesnotexist" in r.err


async def test_wallets_fund_reference_is_booked_once(cli: Cli, client: httpx.AsyncClient) -> None:
    org = await new_org(cli)
    ref = f"wire-{secrets.token_hex(4)}"
    args = ["wallets", "fund", "--org", org["id"], "--currency", "USD", "--amount", "10", "--reference", ref]
    assert (await cli(*args)).code == 0
    again = await cli(*args)
    assert again.code != 0
    assert ref in again.err
    assert (await balances(client, org["api_keys"]["test"]))["USD"]["available"]["value"] == "10.00"


# --- catalog --------------------------------------------------------------------------------------


@pytest.fixture
async def product_ids(ctx: Runtime) -> AsyncIterator[list[str]]:
    """Product ids this test imports; deleted afterwards so other tests see the catalog unchanged."""
    ids: list[str] = []
    yield ids
    async with ctx.db.unit_of_work() as s:
        for table in (ProductCountry, ProductDenomination):
            await s.execute(delete(table).where(table.product_id.in_(ids)))
        await s.execute(delete(Product).where(Product.id.in_(ids)))


async def test_catalog_import_json_and_csv(
    cli: Cli, client: httpx.AsyncClient, tmp_path: Path, product_ids: list[str]
) -> None:
    org = await new_org(cli)
    j, c = f"cli_json_{secrets.token_hex(4)}", f"cli_csv_{secrets.token_hex(4)}"
    product_ids += [j, c]
    json_file = tmp_path / "catalog.json"
    json_file.write_text(
        json.dumps(
            {
                "products": [
                    {
                        "id": j,
                        "brand": "Kiwi Books",
                        "name": "Kiwi Books Card",
                        "category": "gift_card",
                        "countries": ["NZ"],
                        "currency": "NZD",
                        "denominations": {"fixed": [2000, 5000]},
                        "description": "Books",
                    }
                ]
            }
        )
    )
    r = await cli("catalog", "import", str(json_file), "--json")
    assert r.code == 0, r.err
    assert r.json() == {"imported": 1}

    csv_file = tmp_path / "catalog.csv"
    csv_file.write_text(
        "id,brand,name,category,countries,currency,denominations,description,redemption_instructions,terms,"
        f"image_url,validity_days\n{c},Kiwi Air,Kiwi Air Top-Up,mobile_topup,NZ,NZD,5.00-100.00/0.50,Airtime,"
        "Enter the number.,,,\n"
    )
    r = await cli("catalog", "import", str(csv_file))
    assert r.code == 0, r.err
    assert "imported 1 products" in r.out

    key = bearer(org["api_keys"]["test"])
    p = (await client.get(f"/v1/products/{j}", headers=key)).json()
    assert p["brand"] == "Kiwi Books" and p["denominations"]["values"] == ["20.00", "50.00"]
    p = (await client.get(f"/v1/products/{c}", headers=key)).json()
    assert p["denominations"] == {"type": "range", "min": "5.00", "max": "100.00", "step": "0.50"}
    listed = await client.get("/v1/products", params={"country": "NZ", "q": "kiwi"}, headers=key)
    assert {x["id"] for x in listed.json()["data"]} == {j, c}


async def test_catalog_import_invalid_file_lists_rows_and_imports_nothing(
    cli: Cli, client: httpx.AsyncClient, tmp_path: Path, product_ids: list[str]
) -> None:
    org = await new_org(cli)
    good = f"cli_good_{secrets.token_hex(4)}"
    product_ids.append(good)
    base = {
        "brand": "Kiwi",
        "name": "Kiwi Card",
        "category": "gift_card",
        "countries": ["NZ"],
        "currency": "NZD",
        "denominations": {"fixed": [1000]},
    }
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(
        json.dumps(
            [
                {**base, "id": good},
                {
                    **base,
                    "id": f"cli_bad_{secrets.token_hex(4)}",
                    "category": "vouchers",
                    "countries": ["XX"],
                },
            ]
        )
    )
    r = await cli("catalog", "import", str(bad_file))
    assert r.code != 0
    assert "nothing was imported" in r.err
    assert "row 2: category" in r.err and "row 2: countries" in r.err
    assert (await client.get(f"/v1/products/{good}", headers=bearer(org["api_keys"]["test"]))).status_code == 404

    missing = await cli("catalog", "import", str(tmp_path / "nope.json"))
    assert missing.code != 0
    other = tmp_path / "catalog.xml"
    other.write_text("<products/>")
    wrong = await cli("catalog", "import", str(other))
    assert wrong.code != 0 and ".json or .csv" in wrong.err


async def test_catalog_import_csv_with_a_byte_order_mark(
    cli: Cli, client: httpx.AsyncClient, tmp_path: Path, product_ids: list[str], make_org: MakeOrg
) -> None:
    org = await make_org()
    pid = f"cli_bom_{secrets.token_hex(4)}"
    product_ids.append(pid)
    csv_file = tmp_path / "excel.csv"
    csv_file.write_text(
        f"id,brand,name,category,countries,currency,denominations\r\n{pid},Kiwi,Kiwi Card,perk,NZ,NZD,10.00\r\n",
        encoding="utf-8-sig",
    )
    r = await cli("catalog", "import", str(csv_file))
    assert r.code == 0, r.err
    assert (await client.get(f"/v1/products/{pid}", headers=org.h())).status_code == 200


# --- ledger ---------------------------------------------------------------------------------------


async def test_ledger_verify_passes_on_the_shared_database(cli: Cli) -> None:
    r = await cli("ledger", "verify")
    assert r.code == 0, r.out + r.err
    assert "FAIL" not in r.out and "ok   drifted: 0" in r.out
    r = await cli("ledger", "verify", "--json")
    assert r.code == 0 and r.json()["ok"] is True


async def test_ledger_verify_fails_on_a_corrupted_balance(tmp_path: Path, settings: Settings) -> None:
    """On a throwaway SQLite database: the shared one must stay clean for the autouse ledger check."""
    db_file = tmp_path / "throwaway.db"
    env = _env(f"sqlite+aiosqlite:///{db_file}", settings.secret_keys, tmp_path)

    migrated = await _run(env, tmp_path, "migrate")
    assert migrated.code == 0, migrated.err
    assert str(head_revision()) in migrated.out
    created = await _run(env, tmp_path, "orgs", "create", "--name", "Throwaway", "--json")
    assert created.code == 0, created.err
    org_id = created.json()["id"]
    funded = await _run(env, tmp_path, "wallets", "fund", "--org", org_id, "--currency", "USD", "--amount", "100")
    assert funded.code == 0, funded.err
    clean = await _run(env, tmp_path, "ledger", "verify", "--json")
    assert clean.code == 0 and clean.json()["ok"] is True

    with sqlite3.connect(db_file) as conn:
        n = conn.execute(
            "UPDATE ledger_accounts SET balance = balance + 1 WHERE org_id = ? AND kind = 'wallet'", (org_id,)
        ).rowcount
    assert n == 1

    broken = await _run(env, tmp_path, "ledger", "verify")
    assert broken.code == 1
    assert "FAIL drifted: 1" in broken.out
    as_json = await _run(env, tmp_path, "ledger", "verify", "--json")
    assert as_json.code == 1
    report = as_json.json()
    assert report["ok"] is False and len(report["drifted"]) == 1
