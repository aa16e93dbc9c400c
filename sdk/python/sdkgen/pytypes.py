"""Names, Python types and layout for the generated files: how a schema becomes a type expression
(open enums, exact numbers, a oneOf's dict fallback), how a declaration is wrapped to the line length."""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from typing import Any

from pydantic import BaseModel

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

