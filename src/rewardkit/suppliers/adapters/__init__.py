"""Supplier adapters: sandbox, inventory, http. The inventory and http adapters register their
factory with rewardkit.suppliers.registry when imported; the registry imports them when it reads a
suppliers file (docs/suppliers.md)."""
