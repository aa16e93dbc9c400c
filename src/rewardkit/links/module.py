"""The reward links domain: links whose value is reserved in the ledger, the headless claim API, expiry."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.links import tasks
from rewardkit.links.api import claims, router
from rewardkit.links.examples import RESPONSES
from rewardkit.links.models import EVENT_TYPES, EXPIRE_JOB, LinkVerification, RewardLink, RewardLinkTransition
from rewardkit.links.pages import router as pages

MODULE = Module(
    name="links",
    routers=(router, claims),
    pages=(pages,),  # the hosted claim page /l/{token} (#13)
    tags=(
        {
            "name": "Reward links",
            "description": "Links a recipient opens to pick a reward; value reserved until claimed.",
        },
        {"name": "Link claims", "description": "The headless claim API: the link's token is the credential."},
    ),
    examples=RESPONSES,
    jobs={EXPIRE_JOB: tasks.expire},
    events=EVENT_TYPES,
    tables=(RewardLink, RewardLinkTransition, LinkVerification),
    # The claim API's and the hosted page's token opens the link: redacted in every log.
    token_paths=("/v1/link_claims/", "/l/"),
    sealed=(Sealed(RewardLink, ("recipient_email", "recipient_phone", "token"), {"token_hash": "token"}),),
)
