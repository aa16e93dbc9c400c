"""The committed models.py and resources.py are what the generator makes from today's OpenAPI
description (CI fails when an operation changes and nobody regenerated), and they cover every
operation, each sync and async."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import rewardkit_sdk
from rewardkit_sdk import AsyncClient, Client

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_sdk_is_freshly_generated() -> None:
    done = subprocess.run([sys.executable, "sdk/python/generate.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, f"{done.stderr}\n{done.stdout}"


async def test_every_operation_has_a_sync_and_an_async_method(client: httpx.AsyncClient) -> None:
    spec: dict[str, Any] = (await client.get("/openapi.json")).json()
    wanted = {op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m != "parameters"}
    for cls in (Client, AsyncClient):
        rk = cls("sk_test_x")
        found = set()
        for resource in vars(rk).values():
            if type(resource).__name__.endswith("Resource"):
                for name, method in inspect.getmembers(resource, inspect.ismethod):
                    if not name.startswith("_"):
                        doc = method.__doc__ or ""
                        found |= {oid for oid in wanted if f"({oid})" in doc}
                        assert inspect.iscoroutinefunction(method) is (cls is AsyncClient), name
        assert found == wanted, sorted(wanted - found)


def test_the_sdk_is_importable_from_its_own_tree() -> None:
    assert Path(rewardkit_sdk.__file__).is_relative_to(ROOT / "sdk" / "python" / "src")
