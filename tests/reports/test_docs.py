"""docs/reports.md defines every column of every type, and every category (column names are a
contract: the docs and the code must say the same)."""

from __future__ import annotations

from pathlib import Path

from rewardkit.reports.categories import CATEGORIES, KIND_CATEGORY
from rewardkit.reports.columns import COLUMNS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "reports.md").read_text()


def test_every_column_is_documented() -> None:
    for type_, columns in COLUMNS.items():
        section = DOC.split(f"### `{type_}`", 1)[1].split("###", 1)[0]
        for c in columns:
            assert f"| `{c.name}` | {c.description} |" in section, (type_, c.name)


def test_every_category_and_kind_is_documented() -> None:
    for c in CATEGORIES:
        assert f"`{c}`" in DOC, c
    for kind in KIND_CATEGORY:
        assert f"`{kind}`" in DOC, kind
