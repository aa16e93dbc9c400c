"""Emails from templates: a subject, a plain-text body and its HTML twin per kind (link, reminder,
otp), in the org's branding, rendered by Jinja2's sandbox with a fixed set of variables.

The sandbox and the fixed variables are for the org's own templates (overrides): an org's template
can read what the kind offers and nothing else (no attributes of Python objects, no globals), and
every value it prints in HTML is escaped. The built-in templates are held to the same rules, so an
override can do whatever they do. docs/email.md lists the variables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.loaders import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from rewardkit.mailbox.errors import EmailTemplateInvalid
from rewardkit.mailbox.models import KINDS, LINK, OTP, REMINDER, REPORT

if TYPE_CHECKING:
    from rewardkit.auth.service import Branding

TEMPLATES = Path(__file__).parent / "templates" / "email"
DEFAULT_ACCENT, DEFAULT_ACCENT_TEXT = "#2471a3", "#ffffff"
_HEX = re.compile(r"#[0-9a-f]{6}")

# What each kind's templates may use, besides `brand` (name, logo_url, accent, accent_text,
# support_email). A context key outside its kind's set is a programming error (ValueError); a key
# left out is None.
_COMMON = ("recipient_name", "sender_name", "message")
VARIABLES: dict[str, tuple[str, ...]] = {
    LINK: (*_COMMON, "url", "value", "expires_at"),
    REMINDER: (*_COMMON, "url", "value", "expires_at", "days_left"),
    OTP: (*_COMMON, "code", "minutes"),
    REPORT: ("url", "report_type", "interval_start", "interval_end", "row_count"),  # #16
}
PARTS = ("subject", "text", "html")

# Two sandboxes: HTML escapes everything it prints; the subject and plain text are not HTML, so
# escaping them would show "&amp;" to the reader. StrictUndefined: a misspelt variable is an error
# (a 422 when an org saves such a template), not an empty string in a customer's email.
# finalize: a variable not given is None, and `{{ recipient_name }}` must print nothing for it, not
# the word "None" in a customer's subject line (the built-in templates and an org's own alike).
_loader = FileSystemLoader(TEMPLATES)


def _finalize(value: object) -> object:
    return "" if value is None else value


_html = SandboxedEnvironment(loader=_loader, autoescape=True, undefined=StrictUndefined, finalize=_finalize)
_text = SandboxedEnvironment(loader=_loader, autoescape=False, undefined=StrictUndefined, finalize=_finalize,
                             keep_trailing_newline=True)  # fmt: skip
for _env in (_html, _text):
    # Only the kind's variables: no range(), lipsum(), dict(), cycler() and the like.
    _env.globals.clear()

# The sandbox keeps an org's template from Python's internals, not from spending the CPU and memory of
# the API process everyone shares. An email's template needs no loops (no variable is a list), no
# repetition or powers, no big numbers (`"x"|center(10**9)`), so an org's own may not have them, and
# what it renders is capped.
MAX_NUMBER = 1000
MAX_RENDERED = 200_000  # characters of one rendered part


def check_source(env: SandboxedEnvironment, source: str) -> None:
    """Refuse (SecurityError) what an org's template may not hold; parse errors raise as they are."""
    tree = env.parse(source)
    if any(True for _ in tree.find_all((nodes.For, nodes.Macro, nodes.CallBlock))):
        raise SecurityError("loops and macros are not allowed in email templates")
    # `{% set b = a ~ a %}` repeated doubles a string at every step: no assignments either.
    if any(True for _ in tree.find_all((nodes.Assign, nodes.AssignBlock, nodes.With))):
        raise SecurityError("set and with are not allowed in email templates")
    if any(f.name == "format" for f in tree.find_all(nodes.Filter)):  # "%999999999s"|format(x)
        raise SecurityError("the format filter is not allowed in email templates")
    if any(True for _ in tree.find_all((nodes.Mul, nodes.Pow, nodes.FloorDiv, nodes.Mod))):
        raise SecurityError("*, **, // and % are not allowed in email templates")
    for const in tree.find_all(nodes.Const):
        if isinstance(const.value, int | float) and not isinstance(const.value, bool) and abs(const.value) > MAX_NUMBER:
            raise SecurityError(f"numbers above {MAX_NUMBER} are not allowed in email templates")


class RenderedEmail(NamedTuple):
    subject: str
    text: str
    html: str


def brand_of(branding: Branding | None) -> dict[str, Any]:
    """The `brand` variable: only validated values (the accent as #rrggbb, the logo an https URL)."""
    if branding is None:
        return {"name": "rewardkit", "logo_url": None, "accent": DEFAULT_ACCENT, "accent_text": DEFAULT_ACCENT_TEXT,
                "support_email": None}  # fmt: skip
    accent = branding.accent if _HEX.fullmatch(branding.accent) else DEFAULT_ACCENT
    text = branding.accent_text if _HEX.fullmatch(branding.accent_text) else DEFAULT_ACCENT_TEXT
    logo = branding.logo_url if branding.logo_url and branding.logo_url.startswith("https://") else None
    return {"name": branding.name, "logo_url": logo, "accent": accent, "accent_text": text,
            "support_email": branding.support_email}  # fmt: skip


def variables_of(kind: str, context: dict[str, Any], branding: Branding | None) -> dict[str, Any]:
    if kind not in VARIABLES:
        raise ValueError(f"unknown email kind {kind!r} (one of {', '.join(KINDS)})")
    unknown = set(context) - set(VARIABLES[kind])
    if unknown:
        raise ValueError(f"{kind} emails have no variable(s) {', '.join(sorted(unknown))}")
    return {"brand": brand_of(branding), **{name: context.get(name) for name in VARIABLES[kind]}}


def render_email(
    kind: str,
    context: dict[str, Any],
    branding: Branding | None,
    overrides: dict[str, str | None] | None = None,
) -> RenderedEmail:
    """(subject, text, html) of one email. `overrides` maps a part (subject, text, html) to the org's own
    template source; a part it does not name uses the built-in one. Raises EmailTemplateInvalid when a
    template does not render."""
    values = variables_of(kind, context, branding)
    overrides = overrides or {}
    rendered: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    for part in PARTS:
        env = _html if part == "html" else _text
        source = overrides.get(part)
        try:
            if source is not None:
                check_source(env, source)
                template = env.from_string(source)
            else:
                template = env.get_template(_file(kind, part))
            rendered[part] = template.render(values)
            if len(rendered[part]) > MAX_RENDERED:
                raise SecurityError(f"the rendered {part} is over {MAX_RENDERED} characters")
        except Exception as exc:  # an org's template may fail in any way (1/0 too): each is its 422
            errors.append({"field": part, "pointer": f"/{part}", "in": "body", "code": "template_error",
                           "message": f"{type(exc).__name__}: {exc}"[:500]})  # fmt: skip
    if errors:
        raise EmailTemplateInvalid(f"The {kind} email template does not render.", errors=errors)
    return RenderedEmail(" ".join(rendered["subject"].split()), rendered["text"], rendered["html"])


def builtin_source(kind: str, part: str) -> str:
    """The built-in template of one part, as an org would start editing it."""
    return (TEMPLATES / _file(kind, part)).read_text()


def _file(kind: str, part: str) -> str:
    return {"subject": f"{kind}.subject.txt", "text": f"{kind}.txt", "html": f"{kind}.html"}[part]
