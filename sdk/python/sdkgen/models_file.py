"""models.py: one pydantic model per component schema, every one keeping unknown fields."""

from __future__ import annotations

import json
from typing import Any

from sdkgen.pytypes import (
    HEADER,
    IDENTITY,
    METHODS,
    class_name,
    declaration,
    doc,
    identifier,
    imports,
    split_union,
    type_of,
    union,
)


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


