"""Which suppliers fulfil a product, in order of preference.

Routes come from a JSON file (REWARDKIT_SUPPLIERS_FILE, docs/suppliers.md):
  {"suppliers": {"acme": {"type": "http", "base_url": "...", "auth_header": "...", "timeout": 10},
                 "stock": {"type": "inventory"}},
   "routes": {"amazon_us": ["stock", "acme"], "*": ["acme"]}}
Test mode always routes to the sandbox first, so the sandbox never needs configuring.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rewardkit.suppliers.adapters import FACTORIES, Factory
from rewardkit.suppliers.adapters.sandbox import SandboxSupplier
from rewardkit.suppliers.base import Supplier


class Registry:
    def __init__(
        self,
        suppliers: list[Supplier] | None = None,
        routes: dict[str, list[str]] | None = None,
        sandbox: SandboxSupplier | None = None,
    ) -> None:
        self.sandbox = sandbox or SandboxSupplier()
        self._suppliers: dict[str, Supplier] = {"sandbox": self.sandbox}
        for s in suppliers or []:
            self._suppliers[s.name] = s
        self._routes = routes or {}

    @classmethod
    def open(cls, rt: Any) -> Registry:
        """The runtime part (suppliers/module.py): the suppliers file of the settings, or the sandbox."""
        return cls.from_file(rt.settings.suppliers_file, rt)

    @classmethod
    def from_file(cls, path: str | None, ctx: Any, factories: Mapping[str, Factory] = FACTORIES) -> Registry:
        sandbox = SandboxSupplier(timeout=ctx.settings.supplier_timeout_seconds)
        if not path:
            return cls(sandbox=sandbox)
        data = json.loads(Path(path).read_text())
        suppliers = []
        for name, conf in data.get("suppliers", {}).items():
            kind = conf.get("type")
            if kind not in factories:
                raise ValueError(f"supplier {name}: unknown type {kind!r} (known: {', '.join(sorted(factories))})")
            suppliers.append(factories[kind](name, conf, ctx))
        routes = {k: list(v) for k, v in data.get("routes", {}).items()}
        for product, names in routes.items():
            for n in names:
                if n not in {s.name for s in suppliers} | {"sandbox"}:
                    raise ValueError(f"route {product}: unknown supplier {n!r}")
        return cls(suppliers, routes, sandbox)

    async def aclose(self) -> None:
        """Close adapters that hold connections (the http adapter's client)."""
        for supplier in self._suppliers.values():
            close = getattr(supplier, "aclose", None)
            if close is not None:
                await close()

    def get(self, name: str) -> Supplier | None:
        return self._suppliers.get(name)

    def route(self, mode: str, product_id: str) -> list[Supplier]:
        """The ordered suppliers for a product in a mode; empty when none can fulfil it."""
        names = self._routes.get(product_id) or self._routes.get("*") or []
        chain = [self._suppliers[n] for n in names if n in self._suppliers]
        if mode == "test":
            chain = [self.sandbox] + [s for s in chain if s is not self.sandbox]
        return [s for s in chain if s.supports(mode)]
