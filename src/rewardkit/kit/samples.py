"""Code samples generated from the OpenAPI description (issue #17): pure functions from one operation to
its samples in cURL, Node (fetch), Python (the SDK and plain httpx), Ruby (net/http) and Java
(java.net.http), the Redoc `x-codeSamples` convention. Never typed by hand per operation: the request
body is the operation's `requestBody` example, path values come from environment variables named after
the parameter (`ORDER_ID`), the key from `REWARDKIT_API_KEY`, the server from `REWARDKIT_BASE_URL`.
Every sample prints the response body on stdout, `HTTP <status>` on stderr, and exits 1 on an error
status, so that a person and the runner (tests/samples) read it the same way. docs/samples.md says more.
"""

from __future__ import annotations

from typing import Any

from rewardkit.kit.sample_langs import curl, java, node, python_httpx, ruby
from rewardkit.kit.sample_ops import METHODS, Operation, class_name, operation, operations
from rewardkit.kit.sample_sdk import python_sdk, sdk_names

__all__ = ["LANGUAGES", "METHODS", "Operation", "class_name", "code_samples", "document_samples", "file_name",
           "operation", "operations"]  # fmt: skip

# (lang for Redoc's x-codeSamples, label, file name ending); a runner writes `<operationId><ending>`
# (Java: the class name, CreateOrder.java).
LANGUAGES: tuple[tuple[str, str, str], ...] = (
    ("Shell", "cURL", ".sh"),
    ("JavaScript", "Node (fetch)", ".mjs"),
    ("Python", "Python (SDK)", "_sdk.py"),
    ("Python", "Python (httpx)", ".py"),
    ("Ruby", "Ruby (net/http)", ".rb"),
    ("Java", "Java (java.net.http)", ".java"),
)
_GENERATORS = {"cURL": curl, "Node (fetch)": node, "Python (httpx)": python_httpx, "Ruby (net/http)": ruby,
               "Java (java.net.http)": java}  # fmt: skip


def file_name(operation_id: str, label: str) -> str:
    ending = next(e for _, lbl, e in LANGUAGES if lbl == label)
    return (class_name(operation_id) if ending == ".java" else operation_id) + ending


def code_samples(op: Operation, sdk: tuple[str, str], paged: bool) -> list[dict[str, str]]:
    """The operation's x-codeSamples: [{lang, label, source}]; `sdk`: its (resource, method) in the SDK."""
    out = []
    for lang, label, _ in LANGUAGES:
        source = python_sdk(op, *sdk, paged) if label == "Python (SDK)" else _GENERATORS[label](op)
        out.append({"lang": lang, "label": label, "source": source})
    return out


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
    names = sdk_names(spec)
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                # The SDK returns a page (its `.page`: the list object) for a GET with a cursor.
                paged = method == "get" and any(p.get("name") == "cursor" for p in op.get("parameters", []))
                op["x-codeSamples"] = code_samples(operation(path, method, op), names[op["operationId"]], paged)
