"""`pip install ./sdk/python` works on its own, offline: into a fresh venv that sees only httpx,
pydantic and their dependencies (links to this venv's site-packages minus every rewardkit entry),
built without isolation with this venv's setuptools, like tests/test_packaging.py does for the app."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*cmd: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("sdk-venv")
    tree = here / "tree"  # a copy, so the checkout gets no build/ or egg-info
    shutil.copytree(ROOT / "sdk" / "python", tree, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    env = here / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", env)
    deps = here / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("rewardkit", "__editable__", "_rewardkit")):
            (deps / entry.name).symlink_to(entry)
    py = env / "bin" / "python"
    site = Path(_run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "_sdk_test_deps.pth").write_text(f"{deps}\n")
    _run(py, "-m", "pip", "install", "--no-index", "--no-build-isolation", "--disable-pip-version-check", "-q", tree)
    return env


def test_the_sdk_installs_offline_and_imports_from_the_venv(venv: Path, tmp_path: Path) -> None:
    code = (
        "import rewardkit_sdk, rewardkit_sdk.models as m; "
        "c = rewardkit_sdk.Client('sk_test_x'); "
        "print(rewardkit_sdk.__file__, rewardkit_sdk.API_VERSION, type(c.orders).__name__)"
    )
    where, version, resource = _run(venv / "bin" / "python", "-c", code, cwd=tmp_path).split()
    assert Path(where).is_relative_to(venv), where
    assert version == __import__("rewardkit_sdk").API_VERSION and resource == "OrdersResource"
    # The typed marker ships, so type checkers read the SDK's hints.
    assert (Path(where).parent / "py.typed").exists()


def test_the_sdk_does_not_need_rewardkit(venv: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u; print(u.find_spec('rewardkit'))"
    out = _run(venv / "bin" / "python", "-c", probe, cwd=tmp_path)
    assert out.strip() == "None"
