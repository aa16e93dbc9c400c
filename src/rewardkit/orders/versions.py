"""What the order's API versions changed, and the downgrades that give older clients their shape
(registered in kit/versioning.py; orders/module.py imports this so the registry always holds them)."""

from __future__ import annotations

from typing import Any

from rewardkit.kit import versioning


@versioning.change(
    "2026-12-01",
    "order",
    "An order states each fact once: `order_id` (always equal to `id`) and `denomination` (the face value "
    "in major units as a string, the same as `face_value.value`) are removed. Read `id`, and `face_value` "
    "(`minor_units`, `currency` and `value`).",
    fields=("order_id", "denomination"),
)
def order_2026_11_01(body: dict[str, Any]) -> dict[str, Any]:
    """Put `order_id` and `denomination` back where 2026-11-01 had them (after `id`, after `currency`),
    so an old client sees exactly the old body, field order included. A body that already has them (an
    idempotent response stored before 2026-12-01) is rebuilt the same way, unchanged."""
    face = body.get("face_value")
    denomination = face.get("value") if isinstance(face, dict) else None
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in ("order_id", "denomination"):
            continue
        out[key] = value
        if key == "id":
            out["order_id"] = value
        elif key == "currency":
            out["denomination"] = body.get("denomination", denomination)
    return out
