"""One OpenAPI operation as the code samples see it (kit/samples.py): its path values, request example,
headers, and the environment variables a sample reads them from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
API_KEY_ENV = "REWARDKIT_API_KEY"
BASE_URL_ENV = "REWARDKIT_BASE_URL"
METHODS = ("get", "post", "put", "patch", "delete")
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class PathParam:
    name: str  # as in the path template: order_id
    env: str  # the environment variable a sample reads it from: ORDER_ID
    default: str | None  # a value that works as is (an enum's first member), else the variable is required
    query: bool = False  # a required query parameter (?currency=…), read from the environment the same way


@dataclass(frozen=True)
class Operation:
    """What a sample needs of one OpenAPI operation."""

    operation_id: str
    method: str  # upper case
    path: str  # the template: /v1/orders/{order_id}
    tag: str
    summary: str
    params: tuple[PathParam, ...]
    body: Any  # the request example; None: no body is sent
    idempotent: bool  # accepts an Idempotency-Key: each run sends a fresh one
    # Headers sent from the environment: the required ones, and credentials (`X-Operator-Token` from
    # REWARDKIT_OPERATOR_TOKEN, the server's own setting): (header, environment variable).
    headers: tuple[tuple[str, str], ...]
    auth: bool  # sends the API key (false for health and the link-claim API, whose token is in the path)
    # The success answer is a file (a report's CSV or JSON Lines), not JSON: printed as text, and its
    # Content-Type on stderr after the status.
    file: bool = False


def env_name(param: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", param).strip("_").upper()


def class_name(operation_id: str) -> str:
    """The Java class (and file) name: CancelOrder for cancelOrder."""
    return operation_id[:1].upper() + operation_id[1:]


def _request_example(op: dict[str, Any]) -> Any:
    media = op.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None:
        return None
    if "example" in media:
        return media["example"]
    examples = media.get("examples") or {}
    for named in examples.values():
        return named.get("value")
    # An optional body with no example: send none rather than invent one.
    return {} if op["requestBody"].get("required") else None


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the description, in its order."""
    out = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                out.append(operation(path, method, op))
    return out


def operation(path: str, method: str, op: dict[str, Any]) -> Operation:
    params = []
    headers = set()
    sent: list[tuple[str, str]] = []
    for p in op.get("parameters", []):
        if p.get("in") == "path":
            schema = p.get("schema", {})
            enum = schema.get("enum")
            default = p.get("example", schema.get("default", enum[0] if enum else None))
            params.append(PathParam(p["name"], env_name(p["name"]), None if default is None else str(default)))
        elif p.get("in") == "query" and p.get("required"):
            schema = p.get("schema", {})
            enum = schema.get("enum")
            default = p.get("example", schema.get("default", enum[0] if enum else None))
            value = None if default is None else str(default)
            params.append(PathParam(p["name"], env_name(p["name"]), value, query=True))
        elif p.get("in") == "header":
            headers.add(p["name"])
            if p["name"] != IDEMPOTENCY_HEADER and (p.get("required") or p["name"].endswith("-Token")):
                sent.append((p["name"], "REWARDKIT_" + env_name(p["name"].removeprefix("X-"))))
    return Operation(
        operation_id=op["operationId"],
        method=method.upper(),
        path=path,
        tag=(op.get("tags") or ["Other"])[0],
        summary=(op.get("summary") or op["operationId"]).strip(),
        params=tuple(params),
        body=_request_example(op),
        idempotent=IDEMPOTENCY_HEADER in headers,
        headers=tuple(sent),
        auth=op.get("security") != [],
        file=_answers_a_file(op),
    )


def _answers_a_file(op: dict[str, Any]) -> bool:
    ok = [r for s, r in op.get("responses", {}).items() if s.startswith("2")]
    return bool(ok) and all(r.get("content") and "application/json" not in r["content"] for r in ok)


def env_comment(op: Operation, prefix: str) -> str:
    """The line telling a reader what to set before running the sample."""
    names = ([f"{API_KEY_ENV}=sk_test_…"] if op.auth else []) + [
        f"{p.env}={p.default}" if p.default else f"{p.env}=…" for p in op.params
    ]
    names += [f"{e}=…" for _, e in op.headers]
    names.append(f"{BASE_URL_ENV}={DEFAULT_BASE_URL}")
    return f"{prefix} Set: {' '.join(names)}"


def segments(op: Operation) -> list[tuple[bool, str]]:
    """The URL as (is_param, text) pieces: ("/v1/orders/", param "ORDER_ID", "/cancel")."""
    by_name = {p.name: p for p in op.params}
    out: list[tuple[bool, str]] = []
    for literal, name in re.findall(r"([^{]*)(?:\{([^}]+)\})?", op.path):
        if literal:
            out.append((False, literal))
        if name:
            out.append((True, name))
    # Required query parameters after the path: ?currency=…&month=… (values a user sets need no escaping:
    # codes, dates, ids).
    for i, q in enumerate(p for p in op.params if p.query):
        out += [(False, ("?" if i == 0 else "&") + q.name + "="), (True, q.name)]
    return [(is_p, by_name[t].env if is_p else t) for is_p, t in out]


def path_param(op: Operation, env: str) -> PathParam:
    return next(p for p in op.params if p.env == env)


def pretty(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)
