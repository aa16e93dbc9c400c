"""Every operation's code samples (kit/samples.py, the `x-codeSamples` of /openapi.json), run as a
user runs them against a live sandbox server, on both databases: each language's samples as separate
processes (bash + curl, node, python, ruby, and java on classes compiled by one javac), each answer's
status checked against the documented 2xx ones and its body against the operation's response schema.

The five languages run at the same time, each in an org of its own (tests/samples/world.py), one
sample after another in the description's order (a create before its get, a delete last)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from rewardkit.config import Settings
from rewardkit.kit.samples import LANGUAGES, METHODS, class_name, file_name
from rewardkit.runtime import Runtime
from tests.samples import world as worlds
from tests.web.conftest import uvicorn_server

# Operations whose samples cannot answer 2xx against a sandbox as printed: ONE short list, with why.
NOT_RUN: dict[str, str] = {
    "reportEmailBounce": "names the Message-ID of an email the server sent; the example's is made up (404)",
    "checkLinkVerification": "the code it checks reaches the recipient by email: a person types it",
    "createReconciliation": "its body is a text/csv statement: the samples, and the SDK method they call, "
    "send JSON bodies only",
}
# The tool each language's samples need, and what runs one sample (after Java's one javac).
TOOLS = {"cURL": ("curl",), "Node (fetch)": ("node",), "Python (SDK)": (), "Python (httpx)": (),
         "Ruby (net/http)": ("ruby",), "Java (java.net.http)": ("java", "javac")}  # fmt: skip
# A JVM per sample: the client JIT only and the serial collector start it faster (none is long-lived).
JAVA_FLAGS = ("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
LABELS = [label for _, label, _ in LANGUAGES]
SDK_DECIMAL = re.compile(r': "-?\d+(\.\d+)?" is not of type "number"$')
POOL = int(os.environ.get("REWARDKIT_SAMPLES_POOL", "4"))  # samples of one language run at once


@dataclass
class Run:
    operation_id: str
    label: str
    status: int | None
    stdout: str
    stderr: str
    problem: str | None  # why this run does not match the description; None: it does
    seconds: float


ROOT = Path(__file__).resolve().parents[2]
SDK_SRC = ROOT / "sdk" / "python" / "src"  # the Python SDK (#17), importable from the checkout


def sdk_path() -> str | None:
    """Where the SDK samples import rewardkit_sdk from: installed, or the checkout's sdk/python/src."""
    if importlib.util.find_spec("rewardkit_sdk") is not None:
        return ""
    return str(SDK_SRC) if (SDK_SRC / "rewardkit_sdk").is_dir() else None


def missing_tools(label: str) -> list[str]:
    if label == "Python (SDK)":
        return [] if sdk_path() is not None else ["the Python SDK (sdk/python)"]
    return [t for t in TOOLS[label] if shutil.which(t) is None]


@pytest.fixture(scope="module")
def live(
    ctx: Runtime, database_url: str, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    # No worker: the sandbox's slow order stays open for cancelOrder, and no delivery runs meanwhile.
    with uvicorn_server(
        database_url, settings, tmp_path_factory.mktemp("samples-server"),
        REWARDKIT_RUN_WORKER="false", REWARDKIT_OPERATOR_TOKEN=worlds.OPERATOR_TOKEN,
    ) as base:  # fmt: skip
        yield base


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in label)


def _command(label: str, path: Path, classes: Path) -> list[str]:
    if label == "cURL":
        return ["bash", str(path)]
    if label == "Node (fetch)":
        return ["node", str(path)]
    if label.startswith("Python"):
        return [sys.executable, str(path)]
    if label == "Ruby (net/http)":
        return ["ruby", str(path)]
    archive = classes.parent / "classes.jsa"
    shared = [f"-XX:SharedArchiveFile={archive}"] if archive.exists() else []
    return [*JAVA_FLAGS, *shared, "-cp", str(classes), path.stem]


def _validator(spec: dict[str, Any], op: dict[str, Any], status: int) -> Any:
    media = op["responses"][str(status)].get("content", {}).get("application/json")
    if media is None:
        return None
    # The response schema's $refs point into the description's components.
    return jsonschema_rs.validator_for({**media["schema"], "components": spec["components"]})


def _check(
    spec: dict[str, Any], op: dict[str, Any], rc: int, status: int | None, out: str, err: str, sdk: bool = False
) -> str | None:
    documented = sorted(int(s) for s in op["responses"] if s.startswith("2"))
    if status not in documented:
        return f"status {status}, documented {documented} (exit {rc})"
    if rc != 0:
        return f"exit {rc} on {status}"
    media = op["responses"][str(status)].get("content", {})
    if "application/json" not in media:
        # A file (a report's download): printed as text, its Content-Type on stderr after the status.
        types = [x.split(":", 1)[1].strip() for x in err.splitlines() if x.lower().startswith("content-type:")]
        got = types[-1].split(";")[0].strip() if types else None
        if got not in {m.split(";")[0] for m in media}:
            return f"Content-Type {got!r}, documented {sorted(media)}"
        return None if out.strip() else "the file is empty"
    try:
        body = json.loads(out)
    except ValueError:
        return f"stdout is not JSON: {out[:200]!r}"
    validator = _validator(spec, op, status)
    if validator is not None:
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
        if sdk:
            # The SDK reads a JSON number as a Decimal (never a float), which model_dump(mode="json")
            # writes as a string: the same value.
            errors = [e for e in errors if not SDK_DECIMAL.search(e)]
        if errors:
            return "body does not match the response schema: " + "; ".join(errors[:5])
    return None


async def _run_one(
    label: str, spec: dict[str, Any], operation_id: str, op: dict[str, Any], world: dict[str, str], root: Path,
    ctx: Runtime,
) -> Run:  # fmt: skip
    sample = next(s for s in op["x-codeSamples"] if s["label"] == label)
    path = root / _slug(label) / file_name(operation_id, label)
    if not path.exists():  # Java's are written and compiled before the runs
        path.write_text(sample["source"], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env |= worlds.env_for(world, operation_id)
    if label == "Python (SDK)" and sdk_path():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(sdk_path()), env.get("PYTHONPATH")]))
    async with worlds.exclusive(ctx, operation_id, op, world):
        began = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *_command(label, path, path.parent / "classes"),
            cwd=path.parent, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        raw_out, raw_err = await proc.communicate()
        seconds = time.monotonic() - began
    out, err = raw_out.decode(), raw_err.decode()
    lines = [x for x in err.strip().splitlines() if x.startswith("HTTP ")]
    status = int(lines[-1].split()[1]) if lines else None
    rc = proc.returncode or 0
    if label == "Python (SDK)" and rc == 0:
        # The SDK raises on an error status and returns the model otherwise: success is the exit code.
        status = min(int(s) for s in op["responses"] if s.startswith("2"))
    problem = _check(spec, op, rc, status, out, err, label == "Python (SDK)")
    return Run(operation_id, label, status, out, err, problem, seconds)


async def _run_language(
    label: str,
    spec: dict[str, Any],
    ops: list[tuple[str, dict[str, Any]]],
    world: dict[str, str],
    root: Path,
    ctx: Runtime,
) -> list[Run]:
    # POOL samples at a time, each its own process, started in the description's order (a create
    # before its get); what consumes a resource has one of its own (world.OVERRIDES), so order within
    # the window does not matter.
    pool = asyncio.Semaphore(POOL)

    async def one(operation_id: str, op: dict[str, Any]) -> Run:
        async with pool:
            return await _run_one(label, spec, operation_id, op, world, root, ctx)

    return list(await asyncio.gather(*(one(i, op) for i, op in ops)))


@pytest.fixture(scope="module")
async def results(live: str, ctx: Runtime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Run]]:
    async with httpx.AsyncClient(timeout=30) as c:
        spec = (await c.get(f"{live}/openapi.json")).json()
    ops = [(op["operationId"], op) for item in spec["paths"].values() for m, op in item.items() if m in METHODS]
    runnable = [(i, op) for i, op in ops if i not in NOT_RUN]
    root = tmp_path_factory.mktemp("samples")
    labels = [label for label in LABELS if not missing_tools(label)]
    for label in labels:
        (root / _slug(label)).mkdir()
    started = time.monotonic()
    if "Java (java.net.http)" in labels:
        java_dir = root / _slug("Java (java.net.http)")
        for operation_id, op in runnable:
            sample = next(s for s in op["x-codeSamples"] if s["label"] == "Java (java.net.http)")
            (java_dir / f"{class_name(operation_id)}.java").write_text(sample["source"], encoding="utf-8")
        javac = await asyncio.create_subprocess_exec(
            "javac", "-d", str(java_dir / "classes"), *map(str, sorted(java_dir.glob("*.java"))),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        compiled, _ = await javac.communicate()
        assert javac.returncode == 0, compiled.decode()
        # A class-data archive of what a sample loads (java.net.http, TLS, …), written by one run and
        # mapped by every other: each JVM then starts in about half the time. Only an optimisation.
        dump = await asyncio.create_subprocess_exec(
            *JAVA_FLAGS, f"-XX:ArchiveClassesAtExit={java_dir / 'classes.jsa'}", "-cp", str(java_dir / "classes"),
            "Healthz", env={**os.environ, "REWARDKIT_BASE_URL": live},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await dump.wait()
    compiled_at = time.monotonic()
    built = await asyncio.gather(*(worlds.build(live, ctx) for _ in labels))
    built_at = time.monotonic()
    done = await asyncio.gather(
        *(_run_language(label, spec, runnable, w, root, ctx) for label, w in zip(labels, built, strict=True))
    )
    per = ", ".join(f"{label} {sum(r.seconds for r in runs):.1f} s" for label, runs in zip(labels, done, strict=True))
    print(
        f"\nsamples: {sum(map(len, done))} runs in {time.monotonic() - started:.1f} s (javac "
        f"{compiled_at - started:.1f} s, worlds {built_at - compiled_at:.1f} s; {per})",
        file=sys.stderr,
    )
    return dict(zip(labels, done, strict=True))


@pytest.mark.parametrize("label", LABELS)
async def test_every_sample_runs_and_answers_as_documented(label: str, results: dict[str, list[Run]]) -> None:
    missing = missing_tools(label)
    if missing:
        required = os.environ.get("REWARDKIT_REQUIRE_RUBY") == "1" or "ruby" not in missing
        reason = f"{', '.join(missing)} not installed (scripts/ensure-ruby.sh installs ruby as root)"
        if label == "Python (SDK)":
            required = os.environ.get("REWARDKIT_REQUIRE_SDK") == "1"
        if required:
            pytest.fail(f"the {label} samples cannot run: {reason}")
        pytest.skip(f"the {label} samples did not run: {reason}")
    runs = results[label]
    assert len(runs) >= 60
    failures = [f"{r.operation_id}: {r.problem}\n    stdout: {r.stdout[:300]}\n    stderr: {r.stderr[-300:]}"
                for r in runs if r.problem]  # fmt: skip
    assert failures == [], f"{len(failures)} of {len(runs)} {label} samples failed:\n" + "\n".join(failures)


def test_the_operations_not_run_are_few_and_exist(live: str) -> None:
    spec = httpx.get(f"{live}/openapi.json", timeout=30).json()
    ids = {op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in METHODS}
    assert set(NOT_RUN) <= ids
    assert len(NOT_RUN) <= 3, "run the new operation's samples: give it a resource in tests/samples/world.py"
