"""The code samples' languages (kit/samples.py): one function per language from an Operation to a
program that runs as printed, prints the response body on stdout and `HTTP <status>` on stderr, and exits
1 on an error status."""

from __future__ import annotations

import json
from typing import Any

from rewardkit.kit.sample_ops import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    IDEMPOTENCY_HEADER,
    Operation,
    class_name,
    env_comment,
    path_param,
    pretty,
    segments,
)

_CURL_TYPE = "Content-Type: %{content_type}\\n"

# --- cURL -------------------------------------------------------------------------------------------


def curl(op: Operation) -> str:
    url = "".join(
        f"${{{t}:-{path_param(op, t).default}}}"
        if is_p and path_param(op, t).default
        else f"${{{t}:?set {t}}}"
        if is_p
        else t
        for is_p, t in segments(op)
    )
    lines = [
        "#!/usr/bin/env bash",
        env_comment(op, "#"),
        f"curl -sS --fail-with-body -w '%{{stderr}}HTTP %{{http_code}}\\n{_CURL_TYPE if op.file else ''}' "
        f"-X {op.method} \\",
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
        lines.append(pretty(op.body))
        lines.append("JSON")
    else:
        lines[-1] = lines[-1].removesuffix(" \\")
    return "\n".join(lines) + "\n"


# --- Node (fetch) -----------------------------------------------------------------------------------


def node(op: Operation) -> str:
    url = "".join("${env(" + json.dumps(t) + ")}" if is_p else t for is_p, t in segments(op))
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
        body = pretty(op.body).replace("\n", "\n  ")
        init.append(f"  body: JSON.stringify({body}),")
    lines = [
        f"// Node 18+: node {op.operation_id}.mjs",
        env_comment(op, "//"),
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
        *(
            [
                'console.error(`Content-Type: ${res.headers.get("content-type")}`);',
                "process.stdout.write(await res.text());",
            ]
            if op.file
            else ["console.log(JSON.stringify(await res.json(), null, 2));"]
        ),
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
    return "".join(f"{{{t.lower()}}}" if is_p else t for is_p, t in segments(op))


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
        env_comment(op, "#"),
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
        *(
            ['print(f"Content-Type: {r.headers[\'content-type\']}", file=sys.stderr)', "sys.stdout.write(r.text)"]
            if op.file
            else ["print(json.dumps(r.json(), indent=2))"]
        ),
        "sys.exit(0 if r.is_success else 1)",
    ]
    return "\n".join(lines) + "\n"


# --- Ruby (net/http) --------------------------------------------------------------------------------


def ruby(op: Operation) -> str:
    def seg(t: str) -> str:
        p = path_param(op, t)
        return f'#{{ENV.fetch("{t}", "{p.default}")}}' if p.default else f'#{{ENV.fetch("{t}")}}'

    url = "".join(seg(t) if is_p else t for is_p, t in segments(op))
    lines = [
        f"# Ruby 2.7+: ruby {op.operation_id}.rb",
        env_comment(op, "#"),
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
        lines += ["  " + line for line in pretty(op.body).splitlines()]
        lines.append("JSON")
    lines += [
        'res = Net::HTTP.start(uri.hostname, uri.port, use_ssl: uri.scheme == "https") { |http| http.request(req) }',
        'warn "HTTP #{res.code}"',
        *(
            ['warn "Content-Type: #{res["Content-Type"]}"', "print res.body"]
            if op.file
            else ["puts JSON.pretty_generate(JSON.parse(res.body))"]
        ),
        "exit(res.is_a?(Net::HTTPSuccess) ? 0 : 1)",
    ]
    return "\n".join(lines) + "\n"


# --- Java (java.net.http) ---------------------------------------------------------------------------


def java(op: Operation) -> str:
    cls = class_name(op.operation_id)

    def seg(is_p: bool, t: str) -> str:
        if not is_p:
            return json.dumps(t)
        p = path_param(op, t)
        return f'env("{t}", "{p.default}")' if p.default else f'env("{t}", null)'

    url = " + ".join(["base", *(seg(is_p, t) for is_p, t in segments(op))])
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
        text = pretty(op.body).replace("\\", "\\\\")
        body_lines = ['        String body = """', *("            " + x for x in text.splitlines()), '            """;']
        publisher = "HttpRequest.BodyPublishers.ofString(body)"
    else:
        publisher = "HttpRequest.BodyPublishers.noBody()"
    builder.append(f'            .method("{op.method}", {publisher})')
    builder.append("            .build();")
    lines = [
        f"// Java 17+: java {cls}.java",
        env_comment(op, "//"),
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
        *(
            [
                '        String type = response.headers().firstValue("content-type").orElse("");',
                '        System.err.println("Content-Type: " + type);',
                "        System.out.print(response.body());",
            ]
            if op.file
            else ["        System.out.println(response.body());"]
        ),
        "        System.exit(response.statusCode() < 400 ? 0 : 1);",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"
