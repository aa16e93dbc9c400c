"""The code samples as published: on every operation of /openapi.json (`x-codeSamples`, six of them),
in docs/samples.md exactly as scripts/generate_samples.py writes it, and generated faithfully from the
request example (quotes, backslashes, unicode and nulls survive every language's quoting)."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from rewardkit.kit.sample_langs import py_literal
from rewardkit.kit.sample_sdk import sdk_names
from rewardkit.kit.samples import LANGUAGES, METHODS, code_samples, operation

ROOT = Path(__file__).resolve().parents[2]
TRICKY: dict[str, Any] = {
    "name": 'Ada "the first" O\'Brien \\ back',
    "note": "Grüße, 日本, emoji 🎁, line\nbreak, $HOME `x` ${y} #{z}",
    "empty": {},
    "list": [1, 2.5, None, True, False, []],
}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_samples", ROOT / "scripts" / "generate_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    data: dict[str, Any] = (await client.get("/openapi.json")).json()
    return data


async def test_every_operation_has_its_six_samples(spec: dict[str, Any]) -> None:
    labels = [label for _, label, _ in LANGUAGES]
    seen = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            seen += 1
            samples = op["x-codeSamples"]
            assert [s["label"] for s in samples] == labels, op["operationId"]
            literal = re.split(r"\{[^}]+\}", path)[0]  # the path up to its first parameter
            for s in samples:
                assert set(s) == {"lang", "label", "source"} and s["source"].strip(), op["operationId"]
                assert literal in s["source"] or s["label"] == "Python (SDK)", (op["operationId"], s["label"])
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                # Every JSON body has an example, and the samples send it (not something typed by hand).
                assert "example" in body, op["operationId"]
                curl = samples[0]["source"]
                sent = curl.split("<<'JSON'\n", 1)[1].rsplit("\nJSON", 1)[0]
                assert json.loads(sent) == body["example"], op["operationId"]
    assert seen >= 60


async def test_docs_samples_md_is_the_generated_one(spec: dict[str, Any]) -> None:
    fresh = _script().render(spec)
    committed = (ROOT / "docs" / "samples.md").read_text(encoding="utf-8")
    assert committed == fresh, "docs/samples.md is stale: run .venv/bin/python scripts/generate_samples.py"


def _tricky_samples() -> dict[str, str]:
    raw = {
        "operationId": "createThing",
        "tags": ["Things"],
        "summary": "Create a thing",
        "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"example": TRICKY}}},
        "responses": {"200": {"description": "ok"}},
    }
    op = operation("/v1/things/{thing_id}", "post", raw)
    return {s["label"]: s["source"] for s in code_samples(op, ("things", "create"), False)}


def test_a_tricky_body_survives_every_language_s_quoting() -> None:
    samples = _tricky_samples()
    assert ast.literal_eval(py_literal(TRICKY)) == TRICKY
    # cURL and Ruby: a quoted heredoc, sent byte for byte.
    for label in ("cURL", "Ruby (net/http)"):
        sent = re.split(r"<<~?'JSON'\n", samples[label], maxsplit=1)[1].rsplit("\nJSON", 1)[0]
        assert json.loads(sent) == TRICKY, label
    # Java: a text block, where a backslash is an escape: the JSON's own are doubled.
    block = samples["Java (java.net.http)"].split('String body = """\n', 1)[1].split('"""', 1)[0]
    unescaped = "\n".join(line.removeprefix("            ") for line in block.splitlines())
    assert json.loads(unescaped.replace("\\\\", "\\")) == TRICKY
    # Node: the body is a JavaScript object literal written as JSON.
    node = samples["Node (fetch)"]
    assert "body: JSON.stringify({" in node and '${env("THING_ID")}' in node
    assert 'THING_ID="${THING_ID:?' not in samples["cURL"] and "${THING_ID:?set THING_ID}" in samples["cURL"]


def test_sdk_method_names_follow_the_sdk_generator(spec: dict[str, Any]) -> None:
    names = sdk_names(spec)
    assert names["createOrder"] == ("orders", "create")
    assert names["listRewardLinkDeliveries"] == ("reward_links", "list_deliveries")
    assert len(names) == sum(m in METHODS for item in spec["paths"].values() for m in item)
