"""Hosted pages: jinja2 templates and static assets served from the package (no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def render(name: str, **context: Any) -> str:
    return _env.get_template(name).render(**context)
