"""The ledger entries of a link's value: wallet -> the link's reservation when it is made, and back
(a claim, a cancel, an expiry). Every one is referenced `<link id>:<step>`, unique in the ledger, so
no step is ever booked twice."""

from __future__ import annotations

from rewardkit.ledger import service as ledger
from rewardkit.links.models import HOLDER, RESERVED, RewardLink


def holder(link_id: str) -> ledger.Holder:
    return ledger.Holder(HOLDER, link_id)


def entry(link: RewardLink, kind: str, step: str, amount: int, to_link: bool, description: str) -> ledger.Entry:
    """wallet -> the link's reservation (to_link), or back."""
    sign = 1 if to_link else -1
    return ledger.Entry(
        org_id=link.org_id,
        mode=link.mode,
        kind=kind,
        reference=f"{link.id}:{step}",
        legs=[
            ledger.Leg("wallet", link.currency, -sign * amount),
            ledger.Leg(RESERVED, link.currency, sign * amount, holder(link.id)),
        ],
        description=description,
        source_id=link.id,
    )
