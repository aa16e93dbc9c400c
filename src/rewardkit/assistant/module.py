"""The docs assistant (#17): POST /v1/assistant/ask, and the docs site's search and ask pages."""

from rewardkit.assistant.api import router
from rewardkit.assistant.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.assistant.index import Assistant
from rewardkit.assistant.pages import router as pages
from rewardkit.kit.module import Module

MODULE = Module(
    name="assistant",
    routers=(router,),
    # Before the guides' own pages: /guides/search and /guides/ask are not guides named search and ask.
    pages=(pages,),
    tags=(
        {"name": "Docs assistant", "description": "Questions answered from the guides and this reference, with links."},
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    resources=(Assistant.open,),
)
