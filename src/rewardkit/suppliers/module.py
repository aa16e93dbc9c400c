"""The suppliers domain: the Supplier protocol, the registry and routes, bulk inventory codes."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.suppliers.api import router
from rewardkit.suppliers.cli import inventory_app
from rewardkit.suppliers.examples import RESPONSES
from rewardkit.suppliers.models import EVENT_TYPES, InventoryCode
from rewardkit.suppliers.registry import Registry

MODULE = Module(
    name="suppliers",
    routers=(router,),
    tags=({"name": "Inventory", "description": "Operator: codes bought in bulk (needs X-Operator-Token)."},),
    examples=RESPONSES,
    events=EVENT_TYPES,
    tables=(InventoryCode,),
    sealed=(Sealed(InventoryCode, ("code", "pin"), {"code_hash": "code"}),),
    cli=(("inventory", inventory_app),),
    resources=(Registry.open,),
)
