"""The runtime: one typed object that owns everything process-wide.

Built once per process by `bootstrap.build_runtime` (the API's create_app, `rewardkit worker`, every
CLI command) and closed by one `aclose()`. Nothing process-wide lives in a module global: settings,
the database, the keyring, the idempotency store, the event bus (types and subscribers), background
tasks, the job runner, and the parts each domain declares in its module.py `resources` (caches, the
supplier registry, group-commit writers, outbound HTTP clients), reached as `runtime.part(Class)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request

from rewardkit.config import Settings
from rewardkit.events.service import EventBus
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import Database
from rewardkit.kit.idempotency import IdempotencyStore
from rewardkit.kit.metrics import Metrics
from rewardkit.kit.module import Module
from rewardkit.kit.outbound import Outbound
from rewardkit.kit.tasks import TaskSet

if TYPE_CHECKING:
    from rewardkit.jobs.worker import Worker

T = TypeVar("T")


class Runtime:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        keyring: Keyring,
        modules: Iterable[Module],
    ) -> None:
        self.settings = settings
        self.db = db
        self.keyring = keyring
        self.modules = tuple(modules)
        self.idempotency = IdempotencyStore(
            db,
            keyring,
            settings.idempotency_ttl_hours,
            settings.idempotency_lock_seconds,
            settings.idempotency_lease_seconds,
        )
        self.events = EventBus(
            keyring,
            types=(t for m in self.modules for t in m.events),
            subscribers=(fn for m in self.modules for fn in m.subscribers),
            ranks={t: n for m in self.modules for t, n in m.event_ranks.items()},
        )
        self.tasks = TaskSet()
        # This process's Prometheus registry (GET /metrics): counters fed by the request middleware, the
        # fulfilment job and webhook deliveries, gauges the modules read from the database at scrape time.
        self.metrics = Metrics(g for m in self.modules for g in m.gauges)
        # Every outbound HTTP request (webhook deliveries, the http supplier, later SMS and JWKS): pooled
        # clients behind the SSRF guard, timeouts and size caps (kit/outbound.py). Before the parts:
        # the supplier registry's adapters are built with it.
        self.outbound = Outbound()
        # The job runner of this process (the API's in-process worker, or `rewardkit worker`'s); None in
        # CLI commands, which run no jobs.
        self.worker: Worker | None = None
        # One instance per class, built from the modules' resource factories in module order. Keyed by
        # class, so every lookup is typed (part(KeyCache) -> KeyCache), never by a string.
        self._parts: dict[type, object] = {}
        for m in self.modules:
            for factory in m.resources:
                self.put(factory(self))

    def part(self, kind: type[T]) -> T:
        found = self._parts.get(kind)
        if found is None:
            raise LookupError(f"{kind.__name__} is not a resource of any module of this runtime")
        return found  # type: ignore[return-value]  # put() keys every object by its own class

    def put(self, obj: object) -> None:
        """Add (or, in tests, replace) a part; keyed by its class."""
        self._parts[type(obj)] = obj

    async def aclose(self) -> None:
        """Close everything, the reverse of opening: background work first (it still needs the
        database), then the parts (adapters, caches), then the outbound HTTP clients, then the database's
        connections."""
        await self.tasks.aclose()
        await self.idempotency.aclose()  # after the background work: it may still complete keys
        for obj in reversed(list(self._parts.values())):
            close: Any = getattr(obj, "aclose", None)
            if close is not None:
                await close()
        await self.outbound.aclose()
        await self.db.dispose()


def keyring_for(settings: Settings) -> Keyring:
    if settings.secret_keys:
        return Keyring.from_spec(settings.secret_keys)
    if settings.environment == "production":
        raise RuntimeError("REWARDKIT_SECRET_KEYS must be set in production")
    return Keyring.from_file(settings.secret_file)


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on every request.
    rt: Runtime = request.app.state.runtime
    return rt
