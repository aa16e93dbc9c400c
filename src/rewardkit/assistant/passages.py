"""What the assistant searches: every section of the guides and every operation of the OpenAPI
description, each a passage with a link. Built from what is there at start-up (docs/*.md and the app's
own description), never from a list, so a new page or endpoint is searchable with no change here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from rewardkit.guides.source import Library, Section

METHODS = ("get", "post", "put", "patch", "delete")
MAX_CODE_BODY = 600
_ENDPOINT = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/v1/[A-Za-z0-9_{}/.-]+)")


@dataclass(frozen=True)
class CodeSample:
    operation_id: str
    method: str
    path: str
    code: str


@dataclass(frozen=True)
class Passage:
    kind: str  # "guide" | "operation"
    title: str
    url: str
    paragraphs: tuple[str, ...]  # what an extractive answer quotes
    index_text: str  # what is searched (title weighted by repetition)
    page: str | None = None
    anchor: str | None = None
    operation_id: str | None = None
    field: str | None = None
    sample: CodeSample | None = None  # operations: a curl line; guides: the operation they name, if any


def deep_link(tag: str, operation_id: str) -> str:
    """Swagger UI's deep link (deepLinking on): spaces of the tag become underscores."""
    return f"/docs#/{tag.replace(' ', '_')}/{operation_id}"


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        found = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
        return found if isinstance(found, dict) else {}
    return schema


def _placeholder(prop: dict[str, Any]) -> Any:
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return 10
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return "..."


def _body_example(op: dict[str, Any], spec: dict[str, Any]) -> Any:
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in content:
        return content["example"]
    schema = _resolve(content.get("schema", {}), spec)
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[-1]
    props = schema.get("properties", {})
    return {name: _placeholder(_resolve(props.get(name, {}), spec)) for name in schema.get("required", [])}


LOCAL_BASE_URL = "http://127.0.0.1:8000"
IDEMPOTENCY_KEY_SHELL = "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')"


def curl(method: str, path: str, op: dict[str, Any], spec: dict[str, Any]) -> str:
    """One shell command that runs as printed with only $API_KEY set (the key `make serve` prints).

    The server comes from $REWARDKIT_BASE_URL with the local default, the variable docs/samples.md
    names; an unset variable must not leave curl a URL without a host. The Idempotency-Key is made
    with od(1), which every POSIX system has (uuidgen is not installed on Debian by default, and an
    empty key makes curl drop the header: the retry would not be safe).
    """
    public = op.get("security") == []
    lines = [f'curl -X {method.upper()} "${{REWARDKIT_BASE_URL:-{LOCAL_BASE_URL}}}{path}"']
    if not public:
        lines.append('-H "Authorization: Bearer $API_KEY"')
    for p in op.get("parameters", []):
        if p.get("in") == "header" and p.get("name") == "Idempotency-Key":
            lines.append(f'-H "Idempotency-Key: {IDEMPOTENCY_KEY_SHELL}"')
    if "requestBody" in op:
        body = json.dumps(_body_example(op, spec), separators=(", ", ": "))
        if len(body) > MAX_CODE_BODY:
            body = body[:MAX_CODE_BODY] + "..."
        lines.append('-H "Content-Type: application/json"')
        lines.append(f"-d '{body}'")
    return " \\\n  ".join(lines)


def _describe(schema: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolve(prop, spec) if "$ref" in prop else prop
        desc = prop.get("description") or prop.get("title") or ""
        out.append(f"{name}: {desc}".strip(": "))
    return out


def operations(spec: dict[str, Any]) -> list[Passage]:
    out: list[Passage] = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or not op.get("operationId"):
                continue
            op_id = str(op["operationId"])
            tag = (op.get("tags") or ["default"])[0]
            summary = op.get("summary") or op_id
            desc = " ".join((op.get("description") or "").split())
            params = [
                f"{p.get('name')} ({p.get('in')}): {p.get('description', '')}".strip(": ")
                for p in op.get("parameters", [])
                if p.get("name") != "Rewardkit-Version"
            ]
            body = _resolve(
                op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}), spec
            )
            fields = _describe(body, spec)
            errors = [
                f"{status}: {r.get('description', '')}"
                for status, r in op.get("responses", {}).items()
                if status.startswith("4") and status not in {"401", "403", "413", "415", "429"}
            ]
            title = f"{method.upper()} {path} ({op_id}): {summary}"
            paragraphs = tuple(filter(None, [f"{method.upper()} {path}: {desc or summary}", *params, *fields]))
            sample = CodeSample(op_id, method.upper(), path, curl(method, path, op, spec))
            index_text = " ".join([title, title, tag, desc, *params, *fields, *errors])
            out.append(
                Passage(
                    "operation", title, deep_link(tag, op_id), paragraphs, index_text, operation_id=op_id, sample=sample
                )  # fmt: skip
            )
    return out


def _section_passage(page_title: str, s: Section, samples: dict[tuple[str, str], CodeSample]) -> Passage:
    title = s.heading if s.level == 1 else f"{page_title}: {s.heading}"
    body = " ".join(s.paragraphs)
    sample = None
    for m in _ENDPOINT.finditer(body):
        sample = samples.get((m.group(1), m.group(2)))
        if sample is not None:
            break
    # The heading weighs most: a question usually names what its section is titled.
    index_text = " ".join([title, s.heading, s.heading, s.heading, body, *s.code])
    return Passage("guide", title, s.url, s.paragraphs, index_text, page=s.page, anchor=s.anchor or None, sample=sample)


# docs/samples.md is generated: one "### operationId" section per operation and one "#### language"
# section per sample, ~540 sections of code that only repeat what the operation passages say. Indexed,
# they crowded the guides out of the top 3 ("How do I create a reward link?" cited three samples); the
# page's own prose (levels 1 and 2: how to run them, how they are made and tested) stays searchable.
SAMPLES_PAGE = "samples"


def _indexed(s: Section) -> bool:
    return bool(s.paragraphs or s.code) and not (s.page == SAMPLES_PAGE and s.level >= 3)


def build(library: Library, spec: dict[str, Any]) -> list[Passage]:
    ops = operations(spec)
    samples = {(p.sample.method, p.sample.path): p.sample for p in ops if p.sample is not None}
    sections = [s for page in library.pages.values() for s in page.sections if _indexed(s)]
    guides = [_section_passage(library.pages[s.page].title, s, samples) for s in sections]
    return guides + ops
