"""Supplier adapters, and the factories that build the configured ones from the suppliers file
(docs/suppliers.md): `type` in the file -> factory(name, conf, runtime). Read-only: a new adapter
is one more entry here."""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from rewardkit.suppliers.adapters import http, inventory
from rewardkit.suppliers.base import Supplier

Factory = Callable[[str, dict[str, Any], Any], Supplier]
FACTORIES: Mapping[str, Factory] = MappingProxyType({"http": http.factory, "inventory": inventory.factory})
