"""resources.py: per tag, a sync and an async resource class, one method per operation."""

from __future__ import annotations

import json
import keyword
from typing import Any

from sdkgen.pytypes import (
    CLIENT_HEADERS,
    HEADER,
    METHODS,
    WIDTH,
    declaration,
    doc,
    identifier,
    imports,
    pascal,
    qualified,
    snake,
    type_of,
    union,
)

RAW = "httpx.Response"
# Attributes and methods of Client/AsyncClient a tag's resource must not replace.
CLIENT_NAMES = {"request", "close", "version", "base_url", "timeout", "retry", "default_headers", "models"}


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_schema(spec: dict[str, Any], op: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The request body's object schema and whether the body is required."""
    rb = op.get("requestBody")
    if not rb:
        return None, False
    schema = rb["content"].get("application/json", {}).get("schema", {})
    required = bool(rb.get("required"))
    if "anyOf" in schema:  # Optional[Model]: FastAPI's `body: X | None = None`
        refs = [s for s in schema["anyOf"] if s.get("type") != "null"]
        required = required and len(refs) == len(schema["anyOf"])
        schema = refs[0] if len(refs) == 1 else schema
    return resolve(spec, schema), required


def tag_words(tag: str) -> set[str]:
    words = set(snake(tag).split("_"))
    return words | {w[:-1] for w in words if w.endswith("s")} | {w[:-3] + "y" for w in words if w.endswith("ies")}


def method_names(ops: list[dict[str, Any]], tag: str) -> dict[str, str]:
    """`createOrder` under the tag Orders is `create`, `listRewardLinkDeliveries` under Reward links is
    `list_deliveries`: the tag's words are dropped unless two operations would then collide."""
    words = tag_words(tag)
    short = {}
    for op in ops:
        full = snake(op["operationId"])
        kept = [w for w in full.split("_") if w not in words]
        name = "_".join(kept)
        short[op["operationId"]] = name if name and not keyword.iskeyword(name) else full
    names = list(short.values())
    return {oid: (n if names.count(n) == 1 else snake(oid)) for oid, n in short.items()}


def success_types(spec: dict[str, Any], op: dict[str, Any]) -> list[str]:
    found = []
    for status, resp in sorted(op["responses"].items()):
        if status.startswith("2"):
            schema = resp.get("content", {}).get("application/json", {}).get("schema")
            if schema:
                found.append(type_of(schema, "models."))
    # No JSON answer (none today; a CSV export tomorrow): the method returns the raw httpx.Response.
    return list(dict.fromkeys(found)) or [RAW]


def list_item(spec: dict[str, Any], op: dict[str, Any], method: str) -> tuple[str, str] | None:
    """(page model, item type) for a paged GET: a `cursor` query parameter and a list object."""
    if method != "get" or not any(p["name"] == "cursor" and p["in"] == "query" for p in op.get("parameters", [])):
        return None
    ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
    if not ok or "$ref" not in ok:
        return None
    page = resolve(spec, ok)
    if not {"data", "has_more", "next_cursor"} <= set(page.get("properties", {})):
        return None
    return type_of(ok, "models."), type_of(page["properties"]["data"].get("items", {}), "models.")


class Op:
    """One operation, as the two resource classes write it."""

    def __init__(self, spec: dict[str, Any], path: str, method: str, op: dict[str, Any], name: str) -> None:
        self.path, self.method, self.op, self.name = path, method.upper(), op, name
        params = op.get("parameters", [])
        self.path_params = [p for p in params if p["in"] == "path"]
        self.query = [p for p in params if p["in"] == "query"]
        self.headers = [p for p in params if p["in"] == "header" and p["name"] not in CLIENT_HEADERS]
        self.body, self.body_required = body_schema(spec, op)
        self.paged = list_item(spec, op, method)
        self.returns = union(success_types(spec, op))
        keyed = any(p["name"] == "Idempotency-Key" for p in self.headers)
        # Safe to send again after a lost answer: idempotent methods, or a key the server honours.
        self.repeatable = self.method in ("GET", "PUT", "DELETE") or keyed
        self.args: list[tuple[str, str, str, tuple[str, str]]] = []  # (python name, wire name, where, (type, default))
        taken: set[str] = {"self", "extra_headers"}

        def add(wire: str, where: str, ty: str, required: bool) -> None:
            py = identifier(wire)
            if py in taken:
                py = f"{py}_{where}"
            taken.add(py)
            if required:
                sig = (ty, "")
            elif where == "header":
                sig = (union([ty, "None"]), "None")
            else:
                sig = (union([ty, "NotGiven"]), "NOT_GIVEN")
            self.args.append((py, wire, where, (qualified(sig[0]), sig[1])))

        for p in self.path_params:
            add(p["name"], "path", type_of(p.get("schema", {}), "models.", True), True)
        # A body that is not an object of named fields (a JSON array, a free mapping) is one argument.
        self.whole_body = self.body is not None and not self.body.get("properties")
        if self.body is not None and self.whole_body:
            add("body", "whole", type_of(self.body, "models.", True) if self.body else "Any", self.body_required)
        elif self.body is not None:
            props = self.body.get("properties", {})
            req = set(self.body.get("required", [])) if self.body_required else set()
            for prop in sorted(props, key=lambda k: k not in req):
                add(prop, "body", type_of(props[prop], "models.", True), prop in req)
        for p in self.query:
            add(p["name"], "query", type_of(p.get("schema", {}), "models.", True), bool(p.get("required")))
        for p in self.headers:
            add(p["name"], "header", "str", bool(p.get("required")))

    def signature(self, prefix: str) -> list[str]:
        ret = f"{prefix}Page[{self.paged[1]}]" if self.paged else self.returns
        lines = ["        self,"]
        star = False
        for py, _, where, (ty, default) in self.args:
            if where != "path" and not star:
                lines.append("        *,")
                star = True
            lines += declaration("        ", py, ty, default, end=",")
        if not star:
            lines.append("        *,")
        lines.append("        extra_headers: Mapping[str, str] | None = None,")
        return lines + [f"    ) -> {qualified(ret)}:"]

    def call(self, awaited: bool) -> list[str]:
        aw = "await " if awaited else ""
        fmt = ", ".join(f"{py}={py}" for py, _, where, _ in self.args if where == "path")
        url = f"path({json.dumps(self.path)}, {fmt})" if fmt else json.dumps(self.path)
        if len(url) > WIDTH - 14:
            url = f"path(\n                {json.dumps(self.path)},\n                {fmt},\n            )"

        def mapping(where: str) -> str:
            items = [f"{json.dumps(w)}: {py}" for py, w, wh, _ in self.args if wh == where]
            flat = "{" + ", ".join(items) + "}"
            if len(flat) < 80:
                return flat
            return "{\n" + "".join(f"                {i},\n" for i in items) + "            }"

        headers = mapping("header")
        headers = f"{{**{headers}, **(extra_headers or {{}})}}" if headers != "{}" else "dict(extra_headers or {})"
        if self.paged:
            return [f"        return {aw}self._client._page(", f"            {url},", f"            {self.paged[0]},",
                    f"            given({mapping('query')}),", f"            {headers},", "        )"]  # fmt: skip
        parsed = "None" if self.returns == RAW else qualified(self.returns)
        lines = [f"        return {aw}self._client._call(", f'            "{self.method}",', f"            {url},",
                 f"            {parsed},"]  # fmt: skip
        if self.query:
            lines.append(f"            query=given({mapping('query')}),")
        if self.whole_body:
            lines.append("            body=body,")
        elif self.body is not None:
            body = f"given({mapping('body')})"
            lines.append(f"            body={body}," if self.body_required else f"            body={body} or None,")
        lines.append(f"            headers={headers},")
        lines.append(f"            repeatable={self.repeatable},")
        return lines + ["        )"]

    def docstring(self) -> list[str]:
        summary = self.op.get("summary") or self.op["operationId"]
        text = f"{summary}: `{self.method} {self.path}` ({self.op['operationId']})."
        desc = (self.op.get("description") or "").strip().split("\n\n")[0]
        if desc:
            text += "\n\n" + desc
        if self.paged:
            text += "\n\nA page; `auto_paging_iter()` walks every page with these same filters."
        return doc(text, "        ")


def resources_py(spec: dict[str, Any]) -> str:
    grouped: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                grouped.setdefault((op.get("tags") or ["Default"])[0], []).append((path, method, op))
    out = [
        HEADER,
        "from __future__ import annotations",
        "",
        "import builtins",
        "from collections.abc import Mapping",
        "@IMPORTS@",
        "",
        "from rewardkit_sdk import models",
        "from rewardkit_sdk._base import NOT_GIVEN, NotGiven, given, path",
        "from rewardkit_sdk._pagination import AsyncPage, SyncPage",
        "",
        "if TYPE_CHECKING:",
        "    from rewardkit_sdk._client import AsyncClient, Client",
        "",
        '__all__ = ["AsyncResources", "SyncResources"]',
        "",
    ]
    attrs: list[tuple[str, str]] = []
    for tag in sorted(grouped):
        ops = sorted(grouped[tag], key=lambda t: t[2]["operationId"])
        names = method_names([o for _, _, o in ops], tag)
        built = [Op(spec, p, m, o, names[o["operationId"]]) for p, m, o in ops]
        cls = pascal(tag)
        attr = snake(tag) or "default"
        attrs.append((f"{attr}_api" if attr in CLIENT_NAMES or keyword.iskeyword(attr) else attr, cls))
        for awaited, prefix in ((False, "Sync"), (True, "Async")):
            out += ["", f"class {'Async' if awaited else ''}{cls}Resource:", f'    """{tag}."""', ""]
            client = "AsyncClient" if awaited else "Client"
            out += [f"    def __init__(self, client: {client}) -> None:", "        self._client = client", ""]
            for op in built:
                out.append(f"    {'async ' if awaited else ''}def {op.name}(")
                out += op.signature(prefix)
                out += op.docstring()
                out += op.call(awaited)
                out.append("")
    for awaited in (False, True):
        kind = "Async" if awaited else "Sync"
        out += ["", f"class {kind}Resources:", f'    """The {kind.lower()} client\'s resources, one per tag."""', ""]
        out.append(f"    def __init__(self, client: {'AsyncClient' if awaited else 'Client'}) -> None:")
        out += [f"        self.{attr} = {'Async' if awaited else ''}{cls}Resource(client)" for attr, cls in attrs]
        out.append("")
    text = "\n".join(out).replace("\n\n\n\n", "\n\n\n")
    text = text.replace("@IMPORTS@", imports(text))
    if "httpx." in text:  # an operation with no JSON answer returns the raw response
        ours = "\nfrom rewardkit_sdk import models\n"
        text = text.replace(ours, "\nimport httpx\n" + ours)
    return text


