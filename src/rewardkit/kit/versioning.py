"""Dated API versions (Rewardkit-Version: 2026-11-01), accepted and echoed.

Responses are always built in the newest shape; for a client pinned to an older version, each
version's `downgrades` turn a newer body into the shape that version promised, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rewardkit.kit.errors import InvalidVersion

HEADER = "Rewardkit-Version"
# Oldest first. Adding a version: append it and register the downgrades that undo its changes.
VERSIONS: list[str] = ["2026-11-01"]
LATEST = VERSIONS[-1]

Downgrade = Callable[[dict[str, Any]], dict[str, Any]]
# version -> resource object name -> function turning that version's body into the previous one's.
DOWNGRADES: dict[str, dict[str, list[Downgrade]]] = {}


def resolve(requested: str | None) -> str:
    if requested is None or requested == "":
        return LATEST
    if requested not in VERSIONS:
        raise InvalidVersion(
            f"Rewardkit-Version {requested!r} is not known. Known versions: {', '.join(VERSIONS)}.",
            known_versions=VERSIONS,
        )
    return requested


def downgrade(body: Any, resource: str, target: str) -> Any:
    """Walk back from the latest version to target, applying each step's downgrades."""
    if target == LATEST:
        return body
    if isinstance(body, dict) and body.get("object") == "list" and isinstance(body.get("data"), list):
        items = [
            downgrade(item, item.get("object", ""), target) if isinstance(item, dict) else item for item in body["data"]
        ]
        body = {**body, "data": items}
    for version in reversed(VERSIONS[VERSIONS.index(target) + 1 :]):
        for fn in DOWNGRADES.get(version, {}).get(resource, []):
            body = fn(body)
    return body
