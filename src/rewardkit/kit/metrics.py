"""Prometheus metrics of one process: its own registry, held by the Runtime (`rt.metrics`), never a
module global (prometheus-client's default REGISTRY is one), so two apps in one process (tests) or a
CLI command never share or clash.

* Counted as they happen, in this process: HTTP requests by method, route template and status, their
  latency, supplier errors, webhook delivery attempts by outcome.
* Read from the database at scrape time (`ScrapeGauge`, declared by the modules): open jobs by kind
  and state, the age of the last successful ledger verify. The same for every process of a
  deployment, since they read shared rows.

Routes are labelled by their template (`/v1/orders/{order_id}`), never the raw path: raw paths carry
ids (unbounded label values) and bearer tokens (`/v/{token}`). A request no route matched is
`[unmatched]`, a method outside the usual ones is `OTHER`: a client cannot create label values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.types import Scope

from rewardkit.kit.db import Database

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "[unmatched]"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds; the order fast path answers in milliseconds, a slow supplier takes seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Sample = tuple[tuple[str, ...], float]


@dataclass(frozen=True)
class ScrapeGauge:
    """A gauge computed from the database when /metrics is scraped. `read(session)` returns
    (label values, value) pairs; no pair, no sample (e.g. the ledger was never verified)."""

    name: str
    doc: str
    labels: tuple[str, ...]
    read: Callable[[Any], Awaitable[Iterable[Sample]]]


class _ScrapeCollector:
    def __init__(self, gauges: tuple[ScrapeGauge, ...]) -> None:
        self.gauges = gauges
        self.values: dict[str, list[Sample]] = {}

    def collect(self) -> Iterator[Metric]:
        for g in self.gauges:
            family = GaugeMetricFamily(g.name, g.doc, labels=list(g.labels))
            for labels, value in self.values.get(g.name, ()):
                family.add_metric(list(labels), value)
            yield family


class Metrics:
    def __init__(self, gauges: Iterable[ScrapeGauge] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "rewardkit_http_requests", "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"), registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "rewardkit_http_request_duration_seconds", "Time from request to the end of the response.",
            ("method", "route"), buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.supplier_errors = Counter(
            "rewardkit_supplier_errors", "Failed supplier calls, by supplier and kind (timeout, transient, permanent).",
            ("supplier", "kind"), registry=r,
        )  # fmt: skip
        self.deliveries = Counter(
            "rewardkit_webhook_deliveries", "Webhook delivery attempts made by this process, by outcome.",
            ("outcome",), registry=r,
        )  # fmt: skip
        self._scraped = _ScrapeCollector(tuple(gauges))
        r.register(self._scraped)
        # labels() takes a lock and builds a key each call: the children of each (method, route, status)
        # are looked up once, then reused (the set is bounded: routes x methods x statuses).
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Called by kit/request_id.py after every HTTP request; a few dict lookups."""
        route = scope.get("route")
        template = getattr(route, "path", None) or UNMATCHED
        method = scope.get("method", "GET")
        if method not in METHODS:
            method = "OTHER"
        key = (method, template, status)
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(method, template, str(status)), self.latency.labels(method, template))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    async def scrape(self, db: Database) -> bytes:
        """The text exposition format, the database gauges read now (one read-only unit of work)."""
        if self._scraped.gauges:
            values: dict[str, list[Sample]] = {}
            async with db.unit_of_work(readonly=True) as s:
                for g in self._scraped.gauges:
                    values[g.name] = list(await g.read(s))
            self._scraped.values = values
        return generate_latest(self.registry)
