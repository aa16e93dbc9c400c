"""Hosted pages: jinja2 templates and static assets served from the package (no CDN).

Every hosted page extends ``templates/base.html`` (the frame: the org's name and logo, its accent colour,
its support email) and is styled by ``static/frame.css`` plus, at most, a stylesheet of its own. Render
with ``page(...)``, which also returns the security headers of that exact page (docs/branding.md):

* a strict Content-Security-Policy: ``default-src 'none'``; scripts and stylesheets from this origin
  only; the one inline ``<style>`` (the org's accent colour as CSS custom properties) allowed by its
  SHA-256 hash, never ``'unsafe-inline'``; images from this origin and from the origin of the org's logo
  only; ``frame-ancestors 'none'`` (or a store's allowed origins), ``base-uri 'none'``, ``form-action 'self'``;
* ``Referrer-Policy: no-referrer`` (tokens live in these URLs), ``X-Content-Type-Options: nosniff``,
  ``Cache-Control: no-store``, ``X-Robots-Tag: noindex, nofollow``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

DEFAULT_ACCENT, DEFAULT_ACCENT_TEXT = "#2471a3", "#ffffff"
_HEX = re.compile(r"#[0-9a-f]{6}")
_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:[0-9]{1,5})?")
# An origin a store lets frame its pages (frame-ancestors): a scheme, a host (its leftmost label may be
# "*"), a port; nothing that could end the directive or add another (no ';', ',', quotes or spaces).
_ANCESTOR = re.compile(r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?")
_SEPARATED = re.compile(r"[^\s-]+[\s-]*|[\s-]+")
GROUP = 4  # a run longer than 2 * GROUP characters without a separator is shown in groups of GROUP


def code_groups(code: str) -> list[str]:
    """A voucher code cut where it may wrap: after each dash or space, and inside long runs every GROUP
    characters. Joined, the groups are the code exactly (what the Copy button copies)."""
    out: list[str] = []
    for part in _SEPARATED.findall(code):
        run = part.rstrip(" -\t")
        tail = part[len(run) :]
        if len(run) > 2 * GROUP:
            out += [run[i : i + GROUP] for i in range(0, len(run) - GROUP, GROUP)]
            run = run[(len(run) - 1) // GROUP * GROUP :]
        out.append(run + tail)
    return out


_env.filters["code_groups"] = code_groups


@dataclass(frozen=True)
class Frame:
    """What the frame shows for one org; the defaults are an unbranded page."""

    name: str | None = None
    logo_url: str | None = None
    logo_origin: str | None = None  # "https://host[:port]" of logo_url, allowed in img-src
    accent: str = DEFAULT_ACCENT
    accent_text: str = DEFAULT_ACCENT_TEXT
    support_email: str | None = None

    @property
    def style(self) -> str:
        """The inline <style> text: validated colours only, so nothing but #rrggbb reaches it."""
        accent = self.accent if _HEX.fullmatch(self.accent) else DEFAULT_ACCENT
        text = self.accent_text if _HEX.fullmatch(self.accent_text) else DEFAULT_ACCENT_TEXT
        return f":root{{--accent:{accent};--accent-text:{text}}}"


@lru_cache(maxsize=1024)
def _style_hash(style: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"


def frame_ancestors(origins: tuple[str, ...] = ()) -> str:
    """The CSP frame-ancestors source list: 'none' unless the page names origins that may embed it (a
    store's allowed_frame_ancestors); an origin not of the expected form is dropped, never copied in."""
    valid = [o for o in origins if _ANCESTOR.fullmatch(o)]
    return " ".join(valid) if valid else "'none'"


def headers(frame: Frame, ancestors: tuple[str, ...] = ()) -> dict[str, str]:
    """The security headers of a hosted page showing ``frame``; ``ancestors``: the origins that may
    embed it (none by default)."""
    img = "img-src 'self' data:"
    if frame.logo_origin and _ORIGIN.fullmatch(frame.logo_origin):
        img += " " + frame.logo_origin
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            f"style-src 'self' {_style_hash(frame.style)}",
            img,
            f"frame-ancestors {frame_ancestors(ancestors)}",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex, nofollow",
    }


def render(name: str, frame: Frame | None = None, **context: Any) -> str:
    return _env.get_template(name).render(frame=frame or Frame(), **context)


def page(
    name: str, frame: Frame | None = None, ancestors: tuple[str, ...] = (), **context: Any
) -> tuple[str, dict[str, str]]:
    """A hosted page and its security headers; ``ancestors``: the origins that may frame it."""
    frame = frame or Frame()
    return render(name, frame, **context), headers(frame, ancestors)
