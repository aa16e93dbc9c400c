"""The wheel works on its own: built from the source tree, installed into a fresh venv, `rewardkit
serve` run from an empty folder migrates (the migrations are package data), seeds the sandbox catalog
(package data too) and serves an order, on the suite's database kind.

Offline: the wheel is built without build isolation (setuptools from the dev extra) and installed
with `--no-deps --no-index`; the new venv sees the dependencies, never rewardkit itself, through a
folder of links to the project venv's site-packages minus every rewardkit entry."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import DEFAULT_PG

ROOT = Path(__file__).resolve().parents[1]
# Only how long to wait before declaring the server dead: nothing asserts on time.
START_DEADLINE_SECONDS = 120


def _run(*cmd: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the tree, so the checkout gets no build/ or egg-info of it."""
    tree = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", tree)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", tree / "src", ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, tree, cwd=tree)
    (built,) = out.glob("rewardkit-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding rewardkit only from the wheel."""
    here = tmp_path_factory.mktemp("venv")
    env = here / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", env)
    deps = here / "deps"
    deps.mkdir()
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():
        if not entry.name.lower().startswith(("rewardkit", "__editable__")):
            (deps / entry.name).symlink_to(entry)
    py = env / "bin" / "python"
    site = Path(_run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "_rewardkit_test_deps.pth").write_text(f"{deps}\n")
    _run(py, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q", wheel)
    return env


def test_the_venv_runs_the_wheel_not_the_source_tree(venv: Path, tmp_path: Path) -> None:
    where = _run(venv / "bin" / "python", "-c", "import rewardkit; print(rewardkit.__file__)", cwd=tmp_path).strip()
    assert Path(where).is_relative_to(venv), where
    assert not Path(where).is_relative_to(ROOT / "src")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def database_env(db_kind: str) -> Iterator[dict[str, str]]:
    """SQLite: no setting at all, so the default (./var/rewardkit.db in the working folder) is what runs.
    PostgreSQL: a database of its own, created empty."""
    if db_kind == "sqlite":
        yield {}
        return
    admin = os.environ.get("REWARDKIT_TEST_PG_URL", DEFAULT_PG)
    dsn = admin.replace("postgresql+asyncpg://", "postgresql://")
    name = f"rk_wheel_{secrets.token_hex(4)}"

    async def sql(statement: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(sql(f'CREATE DATABASE "{name}"'))
    try:
        yield {"REWARDKIT_DATABASE_URL": admin.rsplit("/", 1)[0] + "/" + name}
    finally:
        asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _wait_ready(proc: subprocess.Popen[str], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"rewardkit serve exited {proc.returncode}:\n{log.read_text()}"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("rewardkit serve never became ready")


def test_serve_from_an_empty_folder_migrates_seeds_and_takes_an_order(
    venv: Path, tmp_path: Path, database_env: dict[str, str]
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(database_env, REWARDKIT_RUN_WORKER="false", PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(venv / "bin" / "rewardkit"), "serve", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, base, log)
        banner = log.read_text()
        found = re.search(r"API key \(test mode\):\s+(\S+)", banner)
        assert found, banner
        auth = {"Authorization": f"Bearer {found.group(1)}"}

        products = httpx.get(f"{base}/v1/products", headers=auth, params={"limit": 100}, timeout=10)
        assert products.status_code == 200, products.text
        assert "amazon_us" in {p["id"] for p in products.json()["data"]}

        order = httpx.post(
            f"{base}/v1/orders",
            json={"product_id": "amazon_us", "denomination": 50, "currency": "USD"},
            headers=auth,
            timeout=30,
        )
        assert order.status_code == 200, order.text
        assert order.json()["status"] == "fulfilled"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # The working folder holds the process's data: the secret key and, on SQLite, the database.
    assert (folder / "var" / "secret.key").exists()
    if not database_env:
        assert (folder / "var" / "rewardkit.db").exists()
