"""The Python SDK flavour of the code samples (kit/samples.py): `client.<tag>.<method>(…)`, named the way
the SDK's generator names them (sdk/python/sdkgen: the tag in snake case; the operationId in snake case
without the tag's words unless two operations of the tag would then collide; Python keywords and
pydantic's own names get a trailing underscore). The runner (tests/samples) calls the real SDK, so a
naming drift between the two fails there."""

from __future__ import annotations

import keyword
import re
from typing import Any

from pydantic import BaseModel

from rewardkit.kit.sample_langs import py_literal
from rewardkit.kit.sample_ops import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    METHODS,
    Operation,
    env_comment,
)

_RESERVED = set(dir(BaseModel)) | {"model_config"}


def snake(name: str) -> str:
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"_+", "_", name).strip("_").lower()


def identifier(name: str) -> str:
    py = snake(name) or "field"
    if py[0].isdigit():
        py = "f_" + py
    if keyword.iskeyword(py) or py in _RESERVED or py.startswith("model_"):
        py += "_"
    return py


def _tag_words(tag: str) -> set[str]:
    words = set(snake(tag).split("_"))
    return words | {w[:-1] for w in words if w.endswith("s")} | {w[:-3] + "y" for w in words if w.endswith("ies")}


def sdk_names(spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """operationId -> (the client's resource attribute, the method's name)."""
    by_tag: dict[str, list[str]] = {}
    for item in spec.get("paths", {}).values():
        for method, op in item.items():
            if method in METHODS:
                by_tag.setdefault((op.get("tags") or ["Default"])[0], []).append(op["operationId"])
    out: dict[str, tuple[str, str]] = {}
    for tag, ids in by_tag.items():
        words = _tag_words(tag)
        short = {}
        for oid in ids:
            full = snake(oid)
            name = "_".join(w for w in full.split("_") if w not in words)
            short[oid] = name if name and not keyword.iskeyword(name) else full
        names = list(short.values())
        out |= {oid: (snake(tag), n if names.count(n) == 1 else snake(oid)) for oid, n in short.items()}
    return out


def python_sdk(op: Operation, attr: str, method: str, paged: bool) -> str:
    args = [f"{identifier(p.name)}={p.env.lower()}" for p in op.params]
    if isinstance(op.body, dict):
        args += [f"{identifier(k)}={py_literal(v, 4)}" for k, v in op.body.items()]
    args += [f'{identifier(h)}=os.environ["{e}"]' for h, e in op.headers]
    call = f"client.{attr}.{method}(" + ("\n    " + ",\n    ".join(args) + ",\n" if args else "") + ")"
    key = f'os.environ["{API_KEY_ENV}"]' if op.auth else '"sk_test_unused"'
    params = [
        f'{p.env.lower()} = os.environ.get("{p.env}", "{p.default}")'
        if p.default
        else f'{p.env.lower()} = os.environ["{p.env}"]'
        for p in op.params
    ]
    # A page keeps the list object it was read from (`.page`); one resource is the model itself.
    dumped = "result.page" if paged else "result"
    lines = [
        f"# Python 3.10+, the rewardkit SDK (sdk/python): python {op.operation_id}_sdk.py",
        env_comment(op, "#"),
        *(["# The SDK sends a fresh Idempotency-Key with every POST."] if op.method == "POST" else []),
        *(["import os", "import sys"] if op.file else ["import json", "import os"]),
        "",
        "from rewardkit_sdk import Client",
        "",
        *params,
        *([] if op.auth else ["# This operation takes no API key (the client needs one: any string does)."]),
        f'with Client({key}, base_url=os.environ.get("{BASE_URL_ENV}", "{DEFAULT_BASE_URL}")) as client:',
        *("    " + line for line in f"result = {call}".splitlines()),
        *(
            # A file: the SDK returns the raw httpx.Response.
            [
                'print(f"Content-Type: {result.headers[\'content-type\']}", file=sys.stderr)',
                "sys.stdout.write(result.text)",
            ]
            if op.file
            else [f'print(json.dumps({dumped}.model_dump(mode="json", by_alias=True), indent=2))']
        ),
    ]
    return "\n".join(lines) + "\n"
