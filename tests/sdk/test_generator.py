"""The generator on operations the API does not have yet (another team's next endpoint): a body that
is a JSON array, an answer that is not JSON, a tag named like a client attribute, a new enum. The
result imports, type-checks as Python, and calls through."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import httpx, rewardkit_sdk as rk
def answer(request):
    assert request.url.path == "/v1/reports/rep_1/export" and request.url.params["format"] == "csv"
    assert request.content == b'[{"currency":"USD","minor_units":1,"value":"0.01"}]'
    return httpx.Response(200, content=b"a,b\\n1,2\\n", headers={"content-type": "text/csv"})
c = rk.Client("sk_test_x", base_url="http://standin", transport=httpx.MockTransport(answer))
got = c.request_api.export_report("rep_1", body=[{"currency": "USD", "minor_units": 1, "value": "0.01"}], format="csv")
assert isinstance(got, httpx.Response) and got.text == "a,b\\n1,2\\n"
assert callable(c.request)  # the tag did not replace the client's own method
print("ok")
"""


def with_new_operation(spec: dict[str, Any]) -> dict[str, Any]:
    spec["paths"]["/v1/reports/{report_id}/export"] = {"post": {
        "operationId": "exportReport", "tags": ["Request"], "summary": "Export a report",
        "parameters": [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "json"]}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Money"}}}}},
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}},
    }}  # fmt: skip
    return spec


def test_new_kinds_of_operation_generate_and_work(app: FastAPI, tmp_path: Path) -> None:
    spec = with_new_operation(json.loads(json.dumps(app.openapi())))  # a copy: the app keeps its own
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    tree = tmp_path / "sdk"
    shutil.copytree(ROOT / "sdk" / "python", tree, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    run = [sys.executable, str(tree / "generate.py"), "--spec", str(tmp_path / "spec.json")]
    done = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # The copy's generate.py wrote the copy's package (never the checkout's).
    assert "exportReport" in (tree / "src/rewardkit_sdk/resources.py").read_text()
    assert "exportReport" not in (ROOT / "sdk/python/src/rewardkit_sdk/resources.py").read_text()
    env = {"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"}
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env,
                           check=False)  # fmt: skip
    assert probe.stdout.strip() == "ok", probe.stderr
