"""Load generator: its own process, asyncio with keep-alive HTTP/1.1 connections (bench/http1.py), JSON out.

    python -m bench.loadgen '<spec as JSON>'

Keep-alive connections are opened one at a time before the clock starts (see Generator.connect).
Closed loop: `concurrency` clients each send the next request as soon as the previous one answered,
for `duration` seconds; the first `warmup` seconds are not counted. Open loop: request i is
scheduled at start + i/rate whatever happened before; its latency is measured from that scheduled
time (so a stalled server cannot hide its queue: no coordinated omission). A request that is
not answered within `timeout`, fails, or (open loop) could not be sent because `max_in_flight`
requests were already waiting, counts as an error with an infinite latency in the percentiles.

kind "order": POST /v1/orders with a fresh Idempotency-Key each; only a 200 whose body says
"status": "fulfilled" counts as fulfilled. kind "get": GET `path`; a 200 counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.http1 import Client, HttpError

REPO = str(Path(__file__).resolve().parent.parent)
ORDER_BODY = {"product_id": "amazon_us", "denomination": 10, "currency": "USD"}


@dataclass
class Spec:
    url: str
    api_key: str
    kind: str = "order"  # order | get
    path: str = "/v1/orders"
    mode: str = "closed"  # closed | open
    concurrency: int = 16
    rate: float = 100.0
    duration: float = 10.0
    warmup: float = 2.0
    timeout: float = 10.0
    max_in_flight: int = 1000
    count: int = 0  # closed loop: stop after this many requests (0: no limit)
    stagger: float = 0.01  # seconds between opening one connection and the next
    connections: int = 32  # open loop: connections opened beforehand (more open on demand)
    key_prefix: str = "bench"
    body: dict[str, Any] = field(default_factory=lambda: dict(ORDER_BODY))
    cookie: str = ""  # a Cookie header for every request (the storefront's member session, bench/storefront.py)


@dataclass
class Sample:
    start: float  # scheduled (open loop) or actual (closed loop) start, loop clock
    end: float  # math.inf when it never completed
    ok: bool
    outcome: str  # "fulfilled", "200:processing", "402", "timeout", …


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of values, which may hold math.inf."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


class Generator:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.samples: list[Sample] = []
        self.in_flight = 0
        self.busy: dict[int, int] = {}  # id(client) -> its requests in flight
        self.counter = 0
        self.body = orjson.dumps(spec.body)
        self.headers = {"Authorization": f"Bearer {spec.api_key}", "Content-Type": "application/json"}
        if spec.cookie:
            self.headers["Cookie"] = spec.cookie
        self.tag = f"{spec.key_prefix}-{os.getpid()}-{time.time_ns():x}"

    async def one(self, client: Client, start: float) -> None:
        loop = asyncio.get_running_loop()
        spec = self.spec
        self.in_flight += 1
        self.busy[id(client)] = self.busy.get(id(client), 0) + 1
        outcome, ok = "", False
        try:
            if spec.kind == "order":
                self.counter += 1
                headers = {**self.headers, "Idempotency-Key": f"{self.tag}-{self.counter}"}
                resp = await client.post(spec.path, content=self.body, headers=headers)
                if resp.status_code == 200:
                    status = orjson.loads(resp.content).get("status")
                    ok = status == "fulfilled"
                    outcome = "fulfilled" if ok else f"200:{status}"
                else:
                    outcome = str(resp.status_code)
            else:
                resp = await client.get(spec.path, headers=self.headers)
                ok = resp.status_code == 200
                outcome = str(resp.status_code)
        except TimeoutError:
            outcome = "timeout"
        except HttpError as exc:
            outcome = type(exc).__name__
        except asyncio.CancelledError:
            self.samples.append(Sample(start, math.inf, False, "timeout"))
            raise
        finally:
            self.in_flight -= 1
            self.busy[id(client)] -= 1
        self.samples.append(Sample(start, loop.time() if outcome != "timeout" else math.inf, ok, outcome))

    async def connect(self, n: int, per_client: int) -> list[Client]:
        """n clients, each with one keep-alive connection opened now, one after the other, while the
        server is idle (GET /healthz). uvicorn's worker processes share one listening socket: connections
        opened in a burst, or while one process is busy, tend to all land on the same process, which
        would measure one process instead of N. Opened one at a time they spread across them."""
        clients = []
        for _ in range(n):
            client = Client(self.spec.url, max_connections=per_client, timeout=self.spec.timeout)
            clients.append(client)
            with contextlib.suppress(HttpError, TimeoutError):
                await client.get("/healthz")
            await asyncio.sleep(self.spec.stagger)
        return clients

    async def closed(self, clients: list[Client], t0: float, t_end: float) -> None:
        """Each client sends its next request as soon as its previous one was answered."""
        loop = asyncio.get_running_loop()
        started = 0
        count = self.spec.count

        async def worker(client: Client) -> None:
            nonlocal started
            await asyncio.sleep(max(0.0, t0 - loop.time()))
            while loop.time() < t_end and (not count or started < count):
                started += 1
                await self.one(client, loop.time())

        await asyncio.gather(*(worker(c) for c in clients))

    async def open(self, clients: list[Client], t0: float, t_end: float) -> None:
        """Request i starts at t0 + i/rate on the client with the fewest requests in flight."""
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()
        i = 0
        while True:
            at = t0 + i / self.spec.rate
            if at >= t_end:
                break
            i += 1
            delay = at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.in_flight >= self.spec.max_in_flight:
                self.samples.append(Sample(at, math.inf, False, "not_sent_overload"))
                continue
            client = min(clients, key=lambda c: self.busy.get(id(c), 0))
            task = asyncio.create_task(self.one(client, at))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=self.spec.timeout + 5)
        left = list(tasks)
        for task in left:  # still not answered: one() records them as timeouts when cancelled
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    async def run(self) -> dict[str, Any]:
        spec = self.spec
        loop = asyncio.get_running_loop()
        if spec.mode == "closed":
            clients = await self.connect(spec.concurrency, 1)
        else:
            n = min(spec.connections, spec.max_in_flight)
            clients = await self.connect(n, -(-spec.max_in_flight // n))
        try:
            t0 = loop.time() + 0.05
            t_end = t0 + spec.duration
            t_measure = t0 + spec.warmup
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            if spec.mode == "closed":
                await self.closed(clients, t0, t_end)
            else:
                await self.open(clients, t0, t_end)
            ru1 = resource.getrusage(resource.RUSAGE_SELF)
        finally:
            for c in clients:
                await c.aclose()
        return self.summarise(t_measure, t_end, (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime))

    def summarise(self, t_measure: float, t_end: float, cpu_s: float) -> dict[str, Any]:
        spec = self.spec
        window = t_end - t_measure
        if spec.mode == "closed":
            # throughput: what completed inside the window; latency: requests started inside it
            done = [s for s in self.samples if t_measure <= s.end <= t_end]
            counted = [s for s in self.samples if t_measure <= s.start < t_end]
        else:
            counted = [s for s in self.samples if t_measure <= s.start < t_end]
            done = [s for s in counted if s.end != math.inf]
        ok_done = [s for s in done if s.ok]
        lat = [(s.end - s.start) * 1000 if s.ok else math.inf for s in counted]
        ok_lat = [(s.end - s.start) * 1000 for s in counted if s.ok]
        outcomes = Counter(s.outcome for s in counted)
        return {
            "spec": {k: v for k, v in vars(spec).items() if k not in ("api_key", "body", "cookie")},
            "window_s": window,
            "requests": len(counted),
            "ok": outcomes.get("fulfilled" if spec.kind == "order" else "200", 0),
            "ok_total": sum(1 for s in self.samples if s.ok),  # warm-up included
            "errors": {k: v for k, v in outcomes.items() if k not in ("fulfilled", "200")},
            "ok_per_s": len(ok_done) / window if window > 0 else 0.0,
            "completed_per_s": len(done) / window if window > 0 else 0.0,
            "offered_per_s": spec.rate if spec.mode == "open" else None,
            "latency_ms": {
                "p50": percentile(lat, 50),
                "p95": percentile(lat, 95),
                "p99": percentile(lat, 99),
                "max": max(lat, default=math.nan),
                "mean_ok": sum(ok_lat) / len(ok_lat) if ok_lat else math.nan,
            },
            "loadgen_cpu_s": cpu_s,
        }


def main() -> None:
    spec = Spec(**orjson.loads(sys.argv[1]))
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvicorn[standard] ships it
        pass
    result = asyncio.run(Generator(spec).run())
    # inf/nan are not JSON: encode them as strings the orchestrator understands
    text = orjson.dumps(_finite(result)).decode()
    sys.stdout.write(text + "\n")


def _finite(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return "inf" if o > 0 else "nan"
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_finite(v) for v in o]
    return o


def load_result(text: str) -> dict[str, Any]:
    def back(o: Any) -> Any:
        if o == "inf":
            return math.inf
        if o == "nan":
            return math.nan
        if isinstance(o, dict):
            return {k: back(v) for k, v in o.items()}
        return o

    data: dict[str, Any] = back(orjson.loads(text.strip().splitlines()[-1]))
    return data


async def run_loadgen(spec: Spec) -> dict[str, Any]:
    """Run the generator in its own process and return its JSON result."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        orjson.dumps(vars(spec)).decode(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=spec.duration + spec.timeout + 60)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return load_result(out.decode())


if __name__ == "__main__":
    main()
