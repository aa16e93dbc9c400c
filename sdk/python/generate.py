"""Generate the SDK's models.py and resources.py from the app's OpenAPI description.

    .venv/bin/python sdk/python/generate.py          # write the files
    .venv/bin/python sdk/python/generate.py --check  # exit 1 if the committed files are stale

The description is built in-process (`create_app(Settings(...)).openapi()`): no server, no network.
Why our own generator (here and in sdkgen/), not datamodel-code-generator or openapi-python-client:
docs/sdk.md ("How it is generated"). The rules that matter to users, enforced here for every model and method:
enums are open (`Literal[...] | str`), models keep unknown fields (extra="allow"), a oneOf keeps an
unknown variant as a dict, list operations return pages that re-send their filters.
"""

from __future__ import annotations

import argparse
import difflib
import json
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from sdkgen.models_file import models_py
from sdkgen.pytypes import COMMAND
from sdkgen.resources_file import resources_py

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "src" / "rewardkit_sdk"


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
