"""Code samples generated from the OpenAPI description (issue #17): pure functions from one operation to
its samples in cURL, Node (fetch), Python (the SDK and plain httpx), Ruby (net/http) and Java
(java.net.http), the Redoc `x-codeSamples` convention. Never typed by hand per operation: the request
body is the operation's `requestBody` example, path values come from environment variables named after
the parameter (`ORDER_ID`), the key from `REWARDKIT_API_KEY`, the server from `REWARDKIT_BASE_URL`.
Every sample prints the response body on stdout, `HTTP <status>` on stderr, and exits 1 on an error
status, so that a person and the runner (tests/samples) read it the same way. docs/samples.md says more.
"""

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
    )


def _env_comment(op: Operation, prefix: str) -> str:
    """The line telling a reader what to set before running the sample."""
    names = ([f"{API_KEY_ENV}=sk_test_…"] if op.auth else []) + [
        f"{p.env}={p.default}" if p.default else f"{p.env}=…" for p in op.params
    ]
    names += [f"{e}=…" for _, e in op.headers]
    names.append(f"{BASE_URL_ENV}={DEFAULT_BASE_URL}")
    return f"{prefix} Set: {' '.join(names)}"


def _segments(op: Operation) -> list[tuple[bool, str]]:
    """The path as (is_param, text) pieces: ("/v1/orders/", param "ORDER_ID", "/cancel")."""
    by_name = {p.name: p for p in op.params}
    out: list[tuple[bool, str]] = []
    for literal, name in re.findall(r"([^{]*)(?:\{([^}]+)\})?", op.path):
        if literal:
            out.append((False, literal))
        if name:
            out.append((True, name))
    return [(is_p, by_name[t].env if is_p else t) for is_p, t in out]


def _param(op: Operation, env: str) -> PathParam:
    return next(p for p in op.params if p.env == env)


def _pretty(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


# --- cURL -------------------------------------------------------------------------------------------


def curl(op: Operation) -> str:
    url = "".join(
        f"${{{t}:-{_param(op, t).default}}}" if is_p and _param(op, t).default else f"${{{t}:?set {t}}}" if is_p else t
        for is_p, t in _segments(op)
    )
    lines = [
        "#!/usr/bin/env bash",
        _env_comment(op, "#"),
        f"curl -sS --fail-with-body -w '%{{stderr}}HTTP %{{http_code}}\\n' -X {op.method} \\",
        f'  "${{{BASE_URL_ENV}:-{DEFAULT_BASE_URL}}}{url}" \\',
    ]
    if op.auth:
        lines.append(f'  -H "Authorization: Bearer ${{{API_KEY_ENV}:?set {API_KEY_ENV}}}" \\')
    lines += [f'  -H "{h}: ${{{e}:?set {e}}}" \\' for h, e in op.headers]
    if op.idempotent:
        # A fresh key per run; od and /dev/urandom are on every Linux and macOS, uuidgen is not.
        lines.append(f"  -H \"{IDEMPOTENCY_HEADER}: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\" \\")
    if op.body is not None:
        lines.append('  -H "Content-Type: application/json" \\')
        lines.append("  --data-binary @- <<'JSON'")
        lines.append(_pretty(op.body))
        lines.append("JSON")
    else:
        lines[-1] = lines[-1].removesuffix(" \\")
    return "\n".join(lines) + "\n"


# --- Node (fetch) -----------------------------------------------------------------------------------


def node(op: Operation) -> str:
    url = "".join("${env(" + json.dumps(t) + ")}" if is_p else t for is_p, t in _segments(op))
    defaults = {p.env: p.default for p in op.params if p.default}
    headers = []
    if op.auth:
        headers.append(f'    Authorization: `Bearer ${{env("{API_KEY_ENV}")}}`,')
    headers += [f'    "{h}": env("{e}"),' for h, e in op.headers]
    if op.idempotent:
        headers.append(f'    "{IDEMPOTENCY_HEADER}": randomUUID(),')
    if op.body is not None:
        headers.append('    "Content-Type": "application/json",')
    init = [f'  method: "{op.method}",', "  headers: {", *headers, "  },"]
    if op.body is not None:
        body = _pretty(op.body).replace("\n", "\n  ")
        init.append(f"  body: JSON.stringify({body}),")
    lines = [
        f"// Node 18+: node {op.operation_id}.mjs",
        _env_comment(op, "//"),
        *(['import { randomUUID } from "node:crypto";'] if op.idempotent else []),
        "",
        f"const defaults = {json.dumps(defaults)};",
        "const env = (name) => {",
        "  const value = process.env[name] || defaults[name];",
        "  if (!value) throw new Error(`set ${name}`);",
        "  return value;",
        "};",
        f'const base = process.env.{BASE_URL_ENV} || "{DEFAULT_BASE_URL}";',
        f"const res = await fetch(`${{base}}{url}`, {{",
        *init,
        "});",
        "console.error(`HTTP ${res.status}`);",
        "console.log(JSON.stringify(await res.json(), null, 2));",
        "if (!res.ok) process.exitCode = 1;",
    ]
    return "\n".join(lines) + "\n"


# --- Python (httpx) ---------------------------------------------------------------------------------


def py_literal(value: Any, indent: int = 0) -> str:
    """A JSON value as Python source (None, True, False), indented like json.dumps(indent=4)."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {py_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "\n".join(f"{inner}{py_literal(v, indent + 4)}," for v in value) + f"\n{pad}]"
    if value is None or isinstance(value, bool):
        return {None: "None", True: "True", False: "False"}[value]
    return json.dumps(value, ensure_ascii=False)


def _py_path(op: Operation) -> str:
    return "".join(f"{{{t.lower()}}}" if is_p else t for is_p, t in _segments(op))


def _py_params(op: Operation) -> list[str]:
    return [
        f'{p.env.lower()} = os.environ.get("{p.env}", "{p.default}")'
        if p.default
        else f'{p.env.lower()} = os.environ["{p.env}"]'
        for p in op.params
    ]


def python_httpx(op: Operation) -> str:
    headers = []
    if op.auth:
        headers.append(f'"Authorization": f"Bearer {{os.environ[\'{API_KEY_ENV}\']}}"')
    headers += [f'"{h}": os.environ["{e}"]' for h, e in op.headers]
    if op.idempotent:
        headers.append(f'"{IDEMPOTENCY_HEADER}": str(uuid.uuid4())')
    args = [f'f"{{base}}{_py_path(op)}"', "headers=headers"]
    if op.body is not None:
        args.append("json=body")
    args.append("timeout=30")
    header_lines = ["headers = {", *(f"    {h}," for h in headers), "}"] if headers else ["headers = {}"]
    lines = [
        f"# Python 3.9+, pip install httpx: python {op.operation_id}.py",
        _env_comment(op, "#"),
        "import json",
        "import os",
        "import sys",
        *(["import uuid"] if op.idempotent else []),
        "",
        "import httpx",
        "",
        f'base = os.environ.get("{BASE_URL_ENV}", "{DEFAULT_BASE_URL}")',
        *_py_params(op),
        *header_lines,
        *([f"body = {py_literal(op.body)}"] if op.body is not None else []),
        f'r = httpx.request("{op.method}", {", ".join(args)})',
        'print(f"HTTP {r.status_code}", file=sys.stderr)',
        "print(json.dumps(r.json(), indent=2))",
        "sys.exit(0 if r.is_success else 1)",
    ]
    return "\n".join(lines) + "\n"


# --- Ruby (net/http) --------------------------------------------------------------------------------


def ruby(op: Operation) -> str:
    def seg(t: str) -> str:
        p = _param(op, t)
        return f'#{{ENV.fetch("{t}", "{p.default}")}}' if p.default else f'#{{ENV.fetch("{t}")}}'

    url = "".join(seg(t) if is_p else t for is_p, t in _segments(op))
    lines = [
        f"# Ruby 2.7+: ruby {op.operation_id}.rb",
        _env_comment(op, "#"),
        'require "json"',
        'require "net/http"',
        *(['require "securerandom"'] if op.idempotent else []),
        "",
        f'base = ENV.fetch("{BASE_URL_ENV}", "{DEFAULT_BASE_URL}")',
        f'uri = URI("#{{base}}{url}")',
        f"req = Net::HTTP::{op.method.capitalize()}.new(uri)",
    ]
    if op.auth:
        lines.append(f'req["Authorization"] = "Bearer #{{ENV.fetch("{API_KEY_ENV}")}}"')
    lines += [f'req["{h}"] = ENV.fetch("{e}")' for h, e in op.headers]
    if op.idempotent:
        lines.append(f'req["{IDEMPOTENCY_HEADER}"] = SecureRandom.uuid')
    if op.body is not None:
        lines += ['req["Content-Type"] = "application/json"', "req.body = <<~'JSON'"]
        lines += ["  " + line for line in _pretty(op.body).splitlines()]
        lines.append("JSON")
    lines += [
        'res = Net::HTTP.start(uri.hostname, uri.port, use_ssl: uri.scheme == "https") { |http| http.request(req) }',
        'warn "HTTP #{res.code}"',
        "puts JSON.pretty_generate(JSON.parse(res.body))",
        "exit(res.is_a?(Net::HTTPSuccess) ? 0 : 1)",
    ]
    return "\n".join(lines) + "\n"


# --- Java (java.net.http) ---------------------------------------------------------------------------


def java(op: Operation) -> str:
    cls = class_name(op.operation_id)

    def seg(is_p: bool, t: str) -> str:
        if not is_p:
            return json.dumps(t)
        p = _param(op, t)
        return f'env("{t}", "{p.default}")' if p.default else f'env("{t}", null)'

    url = " + ".join(["base", *(seg(is_p, t) for is_p, t in _segments(op))])
    builder = [f"        HttpRequest request = HttpRequest.newBuilder(URI.create({url}))"]
    if op.auth:
        builder.append(f'            .header("Authorization", "Bearer " + env("{API_KEY_ENV}", null))')
    builder += [f'            .header("{h}", env("{e}", null))' for h, e in op.headers]
    if op.idempotent:
        builder.append(f'            .header("{IDEMPOTENCY_HEADER}", UUID.randomUUID().toString())')
    body_lines: list[str] = []
    if op.body is not None:
        builder.append('            .header("Content-Type", "application/json")')
        # A text block: backslashes are escapes there, so the JSON's own are doubled.
        text = _pretty(op.body).replace("\\", "\\\\")
        body_lines = ['        String body = """', *("            " + x for x in text.splitlines()), '            """;']
        publisher = "HttpRequest.BodyPublishers.ofString(body)"
    else:
        publisher = "HttpRequest.BodyPublishers.noBody()"
    builder.append(f'            .method("{op.method}", {publisher})')
    builder.append("            .build();")
    lines = [
        f"// Java 17+: java {cls}.java",
        _env_comment(op, "//"),
        "import java.net.URI;",
        "import java.net.http.HttpClient;",
        "import java.net.http.HttpRequest;",
        "import java.net.http.HttpResponse;",
        *(["import java.util.UUID;"] if op.idempotent else []),
        "",
        f"public class {cls} {{",
        "    static String env(String name, String fallback) {",
        "        String value = System.getenv(name);",
        "        if (value != null && !value.isEmpty()) return value;",
        '        if (fallback == null) throw new IllegalStateException("set " + name);',
        "        return fallback;",
        "    }",
        "",
        "    public static void main(String[] args) throws Exception {",
        f'        String base = env("{BASE_URL_ENV}", "{DEFAULT_BASE_URL}");',
        *body_lines,
        *builder,
        # HTTP/1.1: the default (HTTP/2) tries an h2c upgrade on plain http.
        "        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();",
        "        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());",
        '        System.err.println("HTTP " + response.statusCode());',
        "        System.out.println(response.body());",
        "        System.exit(response.statusCode() < 400 ? 0 : 1);",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


# --- all of them ------------------------------------------------------------------------------------

# (lang for Redoc's x-codeSamples, label, file name suffix, generator)
LANGUAGES: tuple[tuple[str, str, str], ...] = (
    ("Shell", "cURL", "sh"),
    ("JavaScript", "Node (fetch)", "mjs"),
    ("Python", "Python (httpx)", "py"),
    ("Ruby", "Ruby (net/http)", "rb"),
    ("Java", "Java (java.net.http)", "java"),
)
_GENERATORS = {"cURL": curl, "Node (fetch)": node, "Python (httpx)": python_httpx, "Ruby (net/http)": ruby,
               "Java (java.net.http)": java}  # fmt: skip


def file_name(op: Operation, label: str) -> str:
    suffix = next(s for _, lbl, s in LANGUAGES if lbl == label)
    return f"{class_name(op.operation_id) if suffix == 'java' else op.operation_id}.{suffix}"


def code_samples(op: Operation) -> list[dict[str, str]]:
    """The operation's x-codeSamples: [{lang, label, source}]."""
    return [{"lang": lang, "label": label, "source": _GENERATORS[label](op)} for lang, label, _ in LANGUAGES]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def document_samples(spec: dict[str, Any], request_examples: dict[str, Any]) -> None:
    """Put a request example on every JSON request body (the module's REQUEST_EXAMPLES, else the request
    model's first `examples` entry) and the code samples on every operation, in place."""
    for item in spec.get("paths", {}).values():
        for method, op in item.items():
            if method not in METHODS:
                continue
            media = op.get("requestBody", {}).get("content", {}).get("application/json")
            if media is not None and "example" not in media:
                given = request_examples.get(op.get("operationId", ""))
                if given is None:
                    schema = media.get("schema", {})
                    # An optional body is `anyOf: [Model, null]`: its model's examples are the ones.
                    ref = next((s for s in schema.get("anyOf", []) if "$ref" in s), schema)
                    given = next(iter(_resolve(spec, ref).get("examples") or []), None)
                if given is not None:
                    media["example"] = given
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                op["x-codeSamples"] = code_samples(operation(path, method, op))
