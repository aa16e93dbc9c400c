"""What a domain contributes to the process, declared once in its `module.py`.

`rewardkit/modules.py` lists the modules; the app (routers, pages, OpenAPI tags and examples), the
job registry, the event types, the CLI, the tables Alembic sees and the runtime's resources are all
built by iterating that list, so adding a domain is one folder and one line (CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import typer
from fastapi import APIRouter

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.metrics import ScrapeGauge
from rewardkit.kit.retention import Purge

# handler(runtime, payload, attempt): see jobs/worker.py. `Any` here because kit knows no runtime.
JobHandler = Callable[[Any, dict[str, Any], int], Awaitable[Any]]
# subscriber(session, events): called with the events of a write, inside its transaction.
Subscriber = Callable[[Any, list[Any]], Awaitable[None]]
# factory(runtime) -> a process-wide object (a cache, a pool, a group-commit writer...). The runtime
# keeps one per class, reachable as runtime.part(Class), and closes it (aclose(), if it has one) on exit.
ResourceFactory = Callable[[Any], object]


@dataclass(frozen=True)
class Module:
    name: str
    routers: tuple[APIRouter, ...] = ()  # JSON API routes (/v1)
    pages: tuple[APIRouter, ...] = ()  # hosted HTML pages
    tags: tuple[dict[str, str], ...] = ()  # OpenAPI tags of its routes, in display order
    examples: Mapping[str, Any] = field(default_factory=dict)  # operationId -> example 2xx body
    # operationId -> example request body, where the request model's own `examples` has none or one
    # that cannot run as is against a sandbox (kit/samples.py: the code samples send it).
    request_examples: Mapping[str, Any] = field(default_factory=dict)
    jobs: Mapping[str, JobHandler] = field(default_factory=dict)  # job kind -> handler
    events: tuple[str, ...] = ()  # the event types it emits
    # Event types whose sequence number is fixed by the step of the resource's lifecycle they report
    # (events/service.py "ranked"): no counter row to bump. Only for a resource whose events all are
    # ranked, and whose lifecycle is acyclic with each step written once (orders).
    event_ranks: Mapping[str, int] = field(default_factory=dict)
    subscribers: tuple[Subscriber, ...] = ()  # called with every write's events (webhook fan-out)
    tables: tuple[type, ...] = ()  # its ORM tables, so Alembic sees the whole schema
    cli: tuple[tuple[str, typer.Typer], ...] = ()  # (command group name, typer sub-app)
    resources: tuple[ResourceFactory, ...] = ()  # built at start-up, in module order
    # Path prefixes whose next segment is a bearer token (`/v/` for voucher pages): redacted in every
    # log (kit/logs.py).
    token_paths: tuple[str, ...] = ()
    # Request paths whose bodies may exceed the global cap (settings.max_body_bytes; a `{name}` segment
    # matches any one segment), with their
    # own cap in bytes: batch endpoints (kit/http.py RequestGuard).
    body_limits: Mapping[str, int] = field(default_factory=dict)
    # Request paths (templates as in body_limits) whose writes take other media types than JSON, with
    # the ones they take instead: a CSV upload (reconciliation). Every other /v1 write stays JSON only.
    body_media_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Old rows the hourly maintenance job deletes, in bounded batches, in module order (kit/retention.py).
    retention: tuple[Purge, ...] = ()
    # Gauges read from its tables when /metrics is scraped (kit/metrics.py).
    gauges: tuple[ScrapeGauge, ...] = ()
    # The columns it stores encrypted with the keyring (and HMACs of them), which `rewardkit secrets
    # reencrypt` moves under the active key after a rotation (kit/rekey.py).
    sealed: tuple[Sealed, ...] = ()
