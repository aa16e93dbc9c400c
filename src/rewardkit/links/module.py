"""The reward links domain: links whose value is reserved in the ledger, the headless claim API, expiry."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.links import retention, tasks
from rewardkit.links.api import bounces, claims, router
from rewardkit.links.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.links.models import (
    EVENT_TYPES,
    EXPIRE_JOB,
    MAIL_RESULT_JOB,
    REMIND_JOB,
    SMS_RESULT_JOB,
    LinkDelivery,
    LinkVerification,
    RewardLink,
    RewardLinkTransition,
)
from rewardkit.links.pages import router as pages

MODULE = Module(
    name="links",
    routers=(router, claims, bounces),
    pages=(pages,),  # the hosted claim page /l/{token}
    tags=(
        {
            "name": "Reward links",
            "description": "Links a recipient opens to pick a reward; value reserved until claimed.",
        },
        {"name": "Link claims", "description": "The headless claim API: the link's token is the credential."},
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    jobs={
        EXPIRE_JOB: tasks.expire,
        REMIND_JOB: tasks.remind,
        MAIL_RESULT_JOB: tasks.mail_result,
        SMS_RESULT_JOB: tasks.sms_result,
    },
    events=EVENT_TYPES,
    retention=retention.RULES,
    tables=(RewardLink, RewardLinkTransition, LinkDelivery, LinkVerification),
    # The claim API's and the hosted page's token opens the link: redacted in every log.
    token_paths=("/v1/link_claims/", "/l/"),
    # 1,000 links at up to ~4 KiB each (docs/links.md "Batches"); every other body keeps the global cap.
    body_limits={"/v1/reward_links/batch": 4 * 1024 * 1024},
    sealed=(
        Sealed(RewardLink, ("recipient_email", "recipient_phone", "token"), {"token_hash": "token"}),
        Sealed(LinkDelivery, ("destination",), {"destination_hash": "destination"}),
    ),
)
