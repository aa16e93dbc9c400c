"""Dated API versions (Rewardkit-Version: 2026-12-01): resolved per request, echoed, and one registry
of what each version changed.

Responses are always built in the newest shape; for a client on an older version, each newer
version's downgrades turn a body back into the shape that version promised, newest first. A change is
registered once, with its downgrade, by the domain that owns the resource (`@change(...)`, e.g.
orders/versions.py): `GET /v1/versions` and the docs test read the same entries, so the list users
read and the code that keeps old clients working cannot disagree.

Which version a request gets (docs/api.md "Versions"): the `Rewardkit-Version` header if sent, else
the calling API key's pin (auth), else the latest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rewardkit.kit.errors import InvalidVersion

HEADER = "Rewardkit-Version"
# Oldest first, with the day each was released. Adding a version: append it here, then register its
# changes (with their downgrades) in the domains they touch, and describe them in docs/changelog.md.
RELEASED: dict[str, date] = {
    "2026-11-01": date(2026, 11, 1),
    "2026-12-01": date(2026, 12, 1),
}
VERSIONS: list[str] = list(RELEASED)
FIRST = VERSIONS[0]
LATEST = VERSIONS[-1]
# The request state key the version is resolved into (kit/http.py RequestGuard; auth may replace it by
# the key's pin when no header was sent) and the one that says the header was sent.
STATE_KEY = "api_version"
REQUESTED_KEY = "api_version_requested"

Downgrade = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Change:
    """One change a version made: what GET /v1/versions lists and docs/changelog.md describes."""

    version: str
    resource: str  # the `object` it concerns ("order")
    description: str
    fields: tuple[str, ...]
    breaking: bool = True
    downgrade: Downgrade | None = field(default=None, compare=False, repr=False)

    def to_api(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "description": self.description,
            "breaking": self.breaking,
            "fields": list(self.fields),
        }


CHANGES: list[Change] = []
# version -> resource object name -> functions turning that version's body into the previous one's.
DOWNGRADES: dict[str, dict[str, list[Downgrade]]] = {}


def change(
    version: str, resource: str, description: str, fields: tuple[str, ...], breaking: bool = True
) -> Callable[[Downgrade], Downgrade]:
    """Register a change of `version` and the downgrade that undoes it (a decorator on the downgrade:
    a body of `version`'s shape in, the previous version's out; it must not mutate its argument)."""
    if version not in RELEASED or version == FIRST:
        raise ValueError(f"{version} is not a version after {FIRST}")

    def register(fn: Downgrade) -> Downgrade:
        CHANGES.append(Change(version, resource, description, fields, breaking, fn))
        DOWNGRADES.setdefault(version, {}).setdefault(resource, []).append(fn)
        return fn

    return register


def changes_of(version: str) -> list[Change]:
    return [c for c in CHANGES if c.version == version]


def listing() -> dict[str, Any]:
    """GET /v1/versions: every version, newest first, with its changes."""
    data = [
        {
            "id": v,
            "object": "api_version",
            "released": RELEASED[v].isoformat(),
            "latest": v == LATEST,
            "changes": [c.to_api() for c in changes_of(v)],
        }
        for v in reversed(VERSIONS)
    ]
    return {"object": "list", "data": data, "has_more": False, "next_cursor": None}


def check(requested: str) -> str:
    """A version named by a client (header, key creation, key update): known, or 400."""
    if requested not in RELEASED:
        raise InvalidVersion(
            f"Rewardkit-Version {requested!r} is not known. Known versions: {', '.join(VERSIONS)}.",
            known_versions=VERSIONS,
        )
    return requested


def resolve(requested: str | None) -> str:
    if requested is None or requested == "":
        return LATEST
    return check(requested)


def downgrade(body: Any, resource: str, target: str) -> Any:
    """The body (the latest shape) as `target` promised it. Objects nested anywhere (a list's items, an
    event's `data`, a redemption's `order`) are downgraded as their own `object` first, then the body
    as `resource`. The latest version costs nothing: the body is returned as it is."""
    if target == LATEST:
        return body
    steps = list(reversed(VERSIONS[VERSIONS.index(target) + 1 :]))
    if not any(DOWNGRADES.get(v) for v in steps):
        return body
    return _walk(body, resource, steps)


def _walk(body: Any, resource: str | None, steps: list[str]) -> Any:
    # Copies only what changes: a nested dict with nothing to downgrade is returned as it is.
    if isinstance(body, list):
        items = [_walk(item, None, steps) if isinstance(item, dict | list) else item for item in body]
        return body if all(a is b for a, b in zip(items, body, strict=True)) else items
    if not isinstance(body, dict):
        return body
    out = body
    for k, v in body.items():
        # `metadata` is the customer's own key-value data: never read as an object, whatever it holds.
        if isinstance(v, dict | list) and k != "metadata":
            new = _walk(v, None, steps)
            if new is not v:
                if out is body:
                    out = dict(body)
                out[k] = new
    name = resource or body.get("object")
    if not isinstance(name, str):
        return out
    for version in steps:
        for fn in DOWNGRADES.get(version, {}).get(name, []):
            out = fn(out)
    return out
