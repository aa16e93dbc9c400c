"""Secret rotation completed: what `rewardkit secrets reencrypt` and `status` do (docs/deploy.md
"Secrets and key rotation"). The columns come from each module's `sealed` declaration and the kit's
own (stored idempotent responses); the walk is kit/rekey.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rewardkit.kit import idempotency, rekey
from rewardkit.kit.crypto import Sealed

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


def sealed_of(rt: Runtime) -> list[Sealed]:
    return [idempotency.SEALED, *(s for m in rt.modules for s in m.sealed)]


async def reencrypt(
    rt: Runtime, batch_size: int, progress: Callable[[rekey.TableReport], None] | None = None
) -> list[rekey.TableReport]:
    return await rekey.reencrypt(rt.db, rt.keyring, sealed_of(rt), batch_size, progress)


@dataclass
class Status:
    active: str  # the key id everything new is written under
    keyring: list[str]  # every key id configured, active first
    census: rekey.Census
    removable: list[str]  # configured, not active, and no encrypted value left under it
    missing: list[str]  # found in the data but not configured: those values cannot be read

    def as_dict(self) -> dict[str, object]:
        return {
            "active_kid": self.active,
            "keyring": self.keyring,
            "tables": self.census.counts,
            "removable": self.removable,
            "missing": self.missing,
        }


async def status(rt: Runtime) -> Status:
    async with rt.db.unit_of_work(readonly=True) as s:
        census = await rekey.census(s, sealed_of(rt))
    used = census.kids_in_use()
    kids = rt.keyring.kids
    return Status(
        active=rt.keyring.active_kid,
        keyring=kids,
        census=census,
        removable=[k for k in kids[1:] if k not in used],
        missing=sorted(used - set(kids)),
    )
