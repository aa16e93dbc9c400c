"""Generate the SDK's models.py and resources.py from the app's OpenAPI description.

    .venv/bin/python sdk/python/generate.py          # write the files
    .venv/bin/python sdk/python/generate.py --check  # exit 1 if the committed files are stale

The description is built in-process (`create_app(Settings(...)).openapi()`): no server, no network.
Why our own ~300 lines instead of datamodel-code-generator or openapi-python-client: docs/sdk.md
("How it is generated"). The rules that matter to users, enforced here for every model and method:
enums are open (`Literal[...] | str`), models keep unknown fields (extra="allow"), a oneOf keeps an
unknown variant as a dict, list operations return pages that re-send their filters.
"""

from __future__ import annotations

import argparse
import difflib
import json
import keyword
import re
import secrets
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "src" / "rewardkit_sdk"
COMMAND = ".venv/bin/python sdk/python/generate.py"
HEADER = (
    '"""GENERATED from the OpenAPI description by sdk/python/generate.py: do not edit.\n\n'
    f'Regenerate: `{COMMAND}`."""\n'
)
METHODS = ("get", "post", "put", "patch", "delete")
# The client sends these itself (the version pin; the minted key is a named argument of its own).
CLIENT_HEADERS = {"Rewardkit-Version"}
RESERVED = set(dir(BaseModel)) | {"model_config"}
WIDTH = 120  # ruff's line length in this repository
# Constant properties that name what an object is (and tell a oneOf's variants apart): kept closed.
IDENTITY = {"object", "type"}


def build_spec() -> dict[str, Any]:
    from rewardkit.app import create_app
    from rewardkit.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/unused.db",
            secret_keys="gen:" + secrets.token_urlsafe(40),
            secret_file=f"{tmp}/unused.key",
        )
        spec: dict[str, Any] = create_app(settings).openapi()
    return spec


# --- names ------------------------------------------------------------------------------------------


def snake(name: str) -> str:
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"_+", "_", name).strip("_").lower()


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", name) if p)


def class_name(component: str) -> str:
    """`rewardkit__points__schemas__BalanceOut` (FastAPI's name for two models of one name) becomes
    PointsBalanceOut: the domain and the model, stable whatever else the description holds."""
    parts = component.split("__")
    if len(parts) > 2:
        return pascal(parts[1]) + pascal(parts[-1])
    return pascal(component)


def identifier(name: str) -> str:
    py = snake(name) or "field"
    if py[0].isdigit():
        py = "f_" + py
    if keyword.iskeyword(py) or py in RESERVED or py.startswith("model_"):
        py += "_"
    return py


# --- types ------------------------------------------------------------------------------------------


def literal(values: list[Any]) -> str:
    return "Literal[" + ", ".join(json.dumps(v) if isinstance(v, str) else repr(v) for v in values) + "]"


def union(parts: list[str]) -> str:
    seen: list[str] = []
    for p in parts:
        for q in split_union(p):
            if q not in seen:
                seen.append(q)
    if "None" in seen:  # None last reads best
        seen = [s for s in seen if s != "None"] + ["None"]
    return " | ".join(seen) if seen else "Any"


def split_union(expr: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in expr:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "|" and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [o for o in out if o]


def type_of(schema: dict[str, Any], prefix: str, inbound: bool = False) -> str:
    """The Python type of a schema. `prefix` qualifies model names ("" in models.py, "models." in
    resources.py); `inbound`: an argument the caller passes (a model or a plain mapping)."""
    if "$ref" in schema:
        name = prefix + class_name(schema["$ref"].rsplit("/", 1)[-1])
        return f"{name} | Mapping[str, Any]" if inbound else name
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [type_of(s, prefix, inbound) for s in schema[key]]
            if key == "oneOf" and not inbound:
                # An unknown variant (a new `type` the server added) is kept as a plain dict.
                parts.append("dict[str, Any]")
            return union(parts)
    if "const" in schema:
        return literal([schema["const"]])
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        base = "str" if all(isinstance(v, str) for v in values) else "int"
        # Open: the known values for editors and type checkers, and any other value parses as-is.
        return union([literal(values), base] + (["None"] if None in schema["enum"] else []))
    kind = schema.get("type")
    if isinstance(kind, list):
        return union([type_of({**schema, "type": k}, prefix, inbound) for k in kind])
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "datetime | str" if inbound else "datetime"
        if fmt == "date":
            return "date | str" if inbound else "date"
        return "str"
    if kind == "integer":
        return "int"
    if kind == "number":
        return "Decimal | int"  # never float: amounts stay exact both ways
    if kind == "boolean":
        return "bool"
    if kind == "null":
        return "None"
    if kind == "array":
        item = type_of(schema.get("items", {}), prefix, inbound)
        return f"list[{item}]"
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"dict[str, {type_of(extra, prefix, inbound)}]"
        pattern = schema.get("patternProperties")
        if isinstance(pattern, dict) and pattern:
            return f"dict[str, {union([type_of(s, prefix, inbound) for s in pattern.values()])}]"
        return "dict[str, Any]"
    return "Any"


def declaration(indent: str, name: str, ty: str, default: str = "", end: str = "") -> list[str]:
    """`name: type = default` on one line, or the type parenthesised over several when too long."""
    tail = f" = {default}" if default else ""
    line = f"{indent}{name}: {ty}{tail}{end}"
    if len(line) <= WIDTH:
        return [line]
    inner = indent + "    "
    out = [f"{indent}{name}: ("]
    for i, part in enumerate(split_union(ty)):
        bar = "| " if i else ""
        if len(inner + bar + part) > WIDTH and part.startswith("Literal["):
            values = part[len("Literal[") : -1].split(", ")
            out += [f"{inner}{bar}Literal["] + [f"{inner}    {v}," for v in values] + [f"{inner}]"]
        else:
            out.append(f"{inner}{bar}{part}")
    return out + [f"{indent}){tail}{end}"]


def qualified(ty: str) -> str:
    """resources.py says builtins.list: inside a resource class, `list` is the method of that name."""
    return re.sub(r"(?<![\w.])list\[", "builtins.list[", ty)


def doc(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    text = text.strip().replace("\\", "\\\\").replace('"""', "'''")
    width = WIDTH - len(indent) - 6
    lines = [part for line in text.splitlines() for part in (textwrap.wrap(line, width) or [""])]
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}'] + [f"{indent}{ln}".rstrip() for ln in lines[1:]] + [f'{indent}"""']


# --- models.py --------------------------------------------------------------------------------------


def latest_version(spec: dict[str, Any]) -> tuple[str, list[str]]:
    for item in spec["paths"].values():
        for method in METHODS:
            for p in item.get(method, {}).get("parameters", []):
                if p["name"] == "Rewardkit-Version" and p["in"] == "header":
                    known = sorted(v for v in p["schema"].get("enum", []) if v)
                    return known[-1], known
    raise SystemExit("no Rewardkit-Version header in the description")


def models_py(spec: dict[str, Any]) -> str:
    latest, known = latest_version(spec)
    out = [
        HEADER,
        "from __future__ import annotations",
        "",
        "@IMPORTS@",
        "",
        "# The newest API version this SDK was generated against: every client pins it unless told otherwise.",
        f"API_VERSION = {json.dumps(latest)}",
        f"KNOWN_API_VERSIONS = ({', '.join(json.dumps(v) for v in known)},)",
        "",
        "",
        "class Model(BaseModel):",
        '    """Every generated model: fields a newer server adds are kept (model_extra), never an error."""',
        "",
        '    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())',
        "",
    ]
    schemas = spec["components"]["schemas"]
    for component in sorted(schemas, key=class_name):
        schema = schemas[component]
        name = class_name(component)
        props: dict[str, Any] = schema.get("properties", {})
        if not props and "enum" in schema:
            out += ["", f"{name} = {type_of(schema, '')}", ""]
            continue
        out += ["", f"class {name}(Model):"]
        out += doc(schema.get("description"), "    ")
        required = set(schema.get("required", []))
        if not props and not schema.get("description"):
            out.append("    pass")
        for prop, sub in props.items():
            py = identifier(prop)
            ty = type_of(sub, "")
            if "const" in sub and prop not in IDENTITY:
                ty = union([ty, type(sub["const"]).__name__])  # a one-value status today may grow
            args = []
            if prop not in required:
                if "None" not in split_union(ty):
                    ty = union([ty, "None"])
                args.append("default=None")
            if py != prop:
                args.append(f"alias={json.dumps(prop)}")
            default = (f"Field({', '.join(args)})" if py != prop else "None") if args else ""
            out += declaration("    ", py, ty, default)
        out.append("")
    # Every model names others (forward references): resolve them once, at import.
    out += ["", "for _model in list(globals().values()):"]
    out += ["    if isinstance(_model, type) and issubclass(_model, Model):", "        _model.model_rebuild()", ""]
    text = "\n".join(out).replace("\n\n\n\n", "\n\n\n")
    pydantic = "BaseModel, ConfigDict, Field" if " = Field(" in text else "BaseModel, ConfigDict"
    return text.replace("@IMPORTS@", imports(text) + f"\n\nfrom pydantic import {pydantic}")


def imports(text: str) -> str:
    """The standard-library imports the generated text uses (the description decides which)."""
    used = lambda name: re.search(rf"(?<![\w.]){name}\b", text.replace("from __future__", "")) is not None  # noqa: E731
    lines = []
    dates = [n for n in ("date", "datetime") if used(n)]
    if dates:
        lines.append(f"from datetime import {', '.join(dates)}")
    if used("Decimal"):
        lines.append("from decimal import Decimal")
    typing = [n for n in ("TYPE_CHECKING", "Any", "Literal") if used(n)]
    if typing:
        lines.append(f"from typing import {', '.join(typing)}")
    return "\n".join(lines)


# --- resources.py -----------------------------------------------------------------------------------


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
    return list(dict.fromkeys(found)) or ["None"]


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
        if self.body is not None:
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
        lines = [f"        return {aw}self._client._call(", f'            "{self.method}",', f"            {url},",
                 f"            {qualified(self.returns)},"]  # fmt: skip
        if self.query:
            lines.append(f"            query=given({mapping('query')}),")
        if self.body is not None:
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
        attrs.append((snake(tag), cls))
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
    return text.replace("@IMPORTS@", imports(text))


def generated(spec: dict[str, Any]) -> dict[Path, str]:
    return {PACKAGE / "models.py": models_py(spec), PACKAGE / "resources.py": resources_py(spec)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    parser.add_argument("--spec", type=Path, help="read the description from this JSON file instead")
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text()) if args.spec else build_spec()
    stale = []
    for target, text in generated(spec).items():
        current = target.read_text() if target.exists() else ""
        if current == text:
            continue
        if args.check:
            stale.append(target)
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(target), "generated", lineterm="")
            sys.stdout.writelines(line + "\n" for line in list(diff)[:60])
        else:
            target.write_text(text)
            print(f"wrote {target}")
    if stale:
        print(f"The SDK is stale: run `{COMMAND}` and commit the result.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
