"""The orders domain: the order lifecycle, its fulfilment job, the hosted voucher page."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.orders import tasks, versions  # noqa: F401  (versions: registers the order's downgrades)
from rewardkit.orders.api import router
from rewardkit.orders.examples import RESPONSES
from rewardkit.orders.models import EVENT_RANKS, EVENT_TYPES, FULFIL_JOB, Order, OrderTransition
from rewardkit.orders.pages import router as pages
from rewardkit.orders.state import OrdersState

MODULE = Module(
    name="orders",
    routers=(router,),
    pages=(pages,),
    tags=({"name": "Orders", "description": "Buy rewards and track them."},),
    examples=RESPONSES,
    jobs={FULFIL_JOB: tasks.fulfil},
    events=EVENT_TYPES,
    event_ranks=EVENT_RANKS,
    tables=(Order, OrderTransition),
    resources=(OrdersState,),
    token_paths=("/v/",),  # the voucher page's token opens the code and PIN
    sealed=(Sealed(Order, ("voucher_code", "voucher_pin", "voucher_token"), {"voucher_token_hash": "voucher_token"}),),
)
