"""The http supplier: a generic upstream vendor reached over HTTP, speaking our contract
(docs/suppliers.md, "The http adapter").

  POST {base_url}/orders                    Idempotency-Key: <reference>; JSON {reference, product_id,
                                            currency, amount (minor units), recipient_email}
      200 {"status": "fulfilled", "id", "code", "pin", "expires_at"}  or  202 {"status": "processing", "id"}
  GET  {base_url}/orders/{reference}        the same answers, for a purchase that was processing
  POST {base_url}/orders/{reference}/cancel
  GET  {base_url}/balance                   {"USD": 12345, ...} in minor units

Errors: 409/422 {"error": "out_of_stock"} -> OutOfStock; 408, 429, 5xx, timeouts, connection errors and
unreadable 2xx bodies -> SupplierTransient (Retry-After honoured on 429/503); any other 4xx (or a 3xx:
redirects are never followed) -> SupplierPermanent.

A circuit breaker guards the vendor: after `failure_threshold` consecutive transient failures it opens for
`reset_seconds` (calls fail fast with SupplierTransient, no request made), then lets one trial call through
(half-open): its success closes the circuit, its failure opens it again.

Supplier file entry: {"type": "http", "base_url": "https://vendor.example/v1", "auth_header": "Bearer …",
"timeout": 10, "failure_threshold": 5, "reset_seconds": 30, "modes": ["live"]}
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx

from rewardkit import __version__
from rewardkit.kit import outbound, ssrf
from rewardkit.kit.outbound import Outbound, Policy, ResponseTooLarge, UnsafeDestination
from rewardkit.suppliers.base import (
    OutOfStock,
    PlaceRequest,
    PlaceResult,
    Quote,
    SupplierError,
    SupplierPermanent,
    SupplierTransient,
)

MAX_RETRY_AFTER = 3600.0
OUT_OF_STOCK = "out_of_stock"
IN_PROGRESS = "in_progress"  # a vendor may answer 409 {"error": "in_progress"} while a key is being served


class CircuitBreaker:
    """closed -> (failure_threshold consecutive transient failures) -> open -> (reset_seconds) -> half-open
    (one trial call) -> closed on success, open again on failure."""

    def __init__(
        self, failure_threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.trial_in_flight = False

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        if self.opened_at is None:
            return "closed"
        if self.trial_in_flight or self.clock() - self.opened_at >= self.reset_seconds:
            return "half_open"
        return "open"

    def before_call(self, name: str) -> bool:
        """Raise SupplierTransient while open (or while another half-open trial runs); True if this is the trial."""
        if self.opened_at is None:
            return False
        waited = self.clock() - self.opened_at
        if waited < self.reset_seconds:
            raise SupplierTransient(
                f"{name}: circuit open after {self.failures} failures", retry_after=self.reset_seconds - waited
            )
        if self.trial_in_flight:
            raise SupplierTransient(f"{name}: circuit half-open, a trial call is in flight", retry_after=1.0)
        self.trial_in_flight = True
        return True

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self.trial_in_flight = False

    def failure(self) -> None:
        self.failures += 1
        self.trial_in_flight = False
        if self.opened_at is not None or self.failures >= self.failure_threshold:
            self.opened_at = self.clock()


def retry_after(value: str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), capped; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class HttpSupplier:
    # An upstream's cancel may race its own fulfilment (a code bought while we refund): until an
    # upstream contract says when a cancel is final, an order processing there is not cancelable.
    cancels_in_flight = False
    def __init__(
        self,
        name: str,
        base_url: str,
        auth_header: str,
        timeout: float,
        failure_threshold: int = 5,
        reset_seconds: float = 30,
        *,
        modes: Iterable[str] = ("live",),
        transport: httpx.AsyncBaseTransport | None = None,
        client: Outbound | None = None,
        max_response_bytes: int = outbound.DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"supplier {name}: base_url must be an http(s) URL")
        if not timeout or timeout <= 0:
            raise ValueError(f"supplier {name}: timeout must be a positive number of seconds")
        if failure_threshold < 1 or reset_seconds < 0:
            raise ValueError(f"supplier {name}: failure_threshold must be >= 1 and reset_seconds >= 0")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.modes = frozenset(modes)
        self.breaker = CircuitBreaker(failure_threshold, reset_seconds)
        # An operator-configured destination: private networks allowed, connections pooled by name (not
        # pinned per request); metadata hosts and link-local addresses are still refused (kit/outbound.py).
        self.policy = Policy(
            timeout=self.timeout, max_response_bytes=max_response_bytes, allow_private=True, pin_addresses=False
        )
        try:
            ssrf.check_url(self.base_url, live=False, allow_private=True)
        except UnsafeDestination as exc:
            raise ValueError(f"supplier {name}: base_url is refused: {exc.reason}") from exc
        self._headers = {
            "Authorization": auth_header,
            "Accept": "application/json",
            "User-Agent": f"rewardkit/{__version__}",
        }
        # The process's shared Outbound (closed by its owner), or one of our own (closed by aclose).
        self._owns_client = client is None
        self._transport = transport
        self._client = client if client is not None else Outbound(transport=transport)

    def __repr__(self) -> str:  # never show the credentials
        return f"HttpSupplier(name={self.name!r}, base_url={self.base_url!r})"

    def supports(self, mode: str) -> bool:
        return mode in self.modes

    # --- the protocol -------------------------------------------------------------------------------

    async def quote(self, product_id: str, currency: str, amount: int) -> Quote:
        """The contract has no quote call: available unless the circuit is open."""
        return Quote(available=self.breaker.state != "open", cost=None, stock=None)

    async def place(self, req: PlaceRequest) -> PlaceResult:
        body = {
            "reference": req.reference,
            "product_id": req.product_id,
            "currency": req.currency,
            "amount": req.amount,
            "recipient_email": req.recipient_email,
        }
        r = await self._call("POST", "/orders", json=body, headers={"Idempotency-Key": req.reference})
        return self._result(r)

    async def status(self, req: PlaceRequest) -> PlaceResult:
        r = await self._call("GET", f"/orders/{quote(req.reference, safe='')}")
        return self._result(r)

    async def cancel(self, req: PlaceRequest) -> bool:
        try:
            r = await self._call("POST", f"/orders/{quote(req.reference, safe='')}/cancel")
        except SupplierPermanent:
            return False  # the vendor refuses (already fulfilled, unknown…)
        data = self._json(r, required=False)
        return not (isinstance(data, dict) and data.get("canceled") is False)

    async def balance(self) -> dict[str, int] | None:
        r = await self._call("GET", "/balance")
        data = self._json(r)
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in data.items()
        ):
            raise SupplierTransient(f"{self.name}: balance is not an object of currency -> minor units")
        return dict(data)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
            self._client = Outbound(transport=self._transport)  # usable again, like before

    # --- plumbing -----------------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """One request through the circuit breaker; 2xx returned, everything else raised as a typed error."""
        self.breaker.before_call(self.name)
        try:
            response = await self._send(method, path, json, headers)
        except SupplierTransient:
            self.breaker.failure()
            raise
        except SupplierError:
            self.breaker.success()  # the vendor is up: it answered, it just said no
            raise
        except BaseException:  # cancelled by the caller's timeout, or a bug: count it, and free a trial slot
            self.breaker.failure()
            raise
        self.breaker.success()
        return response

    async def _send(self, method: str, path: str, json: Any, headers: dict[str, str] | None) -> httpx.Response:
        try:
            r = await self._client.request(
                self.policy, method, self.base_url + path, json=json, headers={**self._headers, **(headers or {})}
            )
        except ResponseTooLarge as exc:  # may be a success we cannot read: retried (same reference)
            raise SupplierTransient(f"{self.name}: {method} {path} answered too large a body") from exc
        except UnsafeDestination as exc:
            raise SupplierPermanent(f"{self.name}: {method} {path} refused: {exc.reason}") from exc
        except httpx.TimeoutException as exc:
            raise SupplierTransient(f"{self.name}: {method} {path} timed out after {self.timeout}s") from exc
        except httpx.TransportError as exc:
            raise SupplierTransient(f"{self.name}: {method} {path} failed: {type(exc).__name__}") from exc
        code = r.status_code
        if 200 <= code < 300:
            return r
        error = self._error_code(r)
        where = f"{self.name}: {method} {path} answered {code}"
        if code in (409, 422) and error == OUT_OF_STOCK:
            raise OutOfStock(f"{where} out_of_stock")
        if code in (408, 429) or code >= 500 or (code == 409 and error == IN_PROGRESS):
            wait = retry_after(r.headers.get("retry-after")) if code in (429, 503) else None
            raise SupplierTransient(where + (f" {error}" if error else ""), retry_after=wait)
        raise SupplierPermanent(where + (f" {error}" if error else ""))

    @staticmethod
    def _error_code(r: httpx.Response) -> str | None:
        try:
            data = r.json()
        except ValueError:
            return None
        error = data.get("error") if isinstance(data, dict) else None
        return error[:100] if isinstance(error, str) else None

    def _json(self, r: httpx.Response, required: bool = True) -> Any:
        try:
            return r.json()
        except ValueError as exc:
            if not required:
                return None
            # Unreadable success: the vendor may have bought it, so retry it (same reference), never fail over.
            raise SupplierTransient(f"{self.name}: {r.status_code} with a body that is not JSON") from exc

    def _result(self, r: httpx.Response) -> PlaceResult:
        data = self._json(r)
        if not isinstance(data, dict):
            raise SupplierTransient(f"{self.name}: the answer is not a JSON object")
        status, ref = data.get("status"), data.get("id")
        ref = str(ref)[:120] if isinstance(ref, str | int) and not isinstance(ref, bool) else None
        if status == "processing":
            return PlaceResult(status="processing", supplier_ref=ref)
        if status == "failed":
            if data.get("error") == OUT_OF_STOCK:
                raise OutOfStock(f"{self.name}: the purchase failed: out_of_stock")
            raise SupplierPermanent(f"{self.name}: the purchase failed: {str(data.get('error') or 'no reason')[:100]}")
        if status != "fulfilled":
            raise SupplierTransient(f"{self.name}: unknown status {str(status)[:40]!r}")
        code, pin = data.get("code"), data.get("pin")
        if not isinstance(code, str) or not code or (pin is not None and not isinstance(pin, str)):
            raise SupplierTransient(f"{self.name}: a fulfilled purchase without a readable code")
        return PlaceResult(
            status="fulfilled", supplier_ref=ref, code=code, pin=pin or None, expires_at=self._expiry(data)
        )

    def _expiry(self, data: dict[str, Any]) -> datetime | None:
        raw = data.get("expires_at")
        if raw is None or raw == "":
            return None
        try:
            when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError as exc:
            raise SupplierTransient(f"{self.name}: expires_at {str(raw)[:40]!r} is not an ISO 8601 date") from exc
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def factory(name: str, conf: dict[str, Any], ctx: Any) -> HttpSupplier:
    for key in ("base_url", "auth_header"):
        if not isinstance(conf.get(key), str) or not conf[key]:
            raise ValueError(f"supplier {name}: {key} is required")
    modes = conf.get("modes", ["live"])
    if not isinstance(modes, list) or not modes or not set(modes) <= {"test", "live"}:
        raise ValueError(f"supplier {name}: modes must be a non-empty list of 'test' and/or 'live'")
    return HttpSupplier(
        name,
        conf["base_url"],
        conf["auth_header"],
        float(conf.get("timeout", 10)),
        int(conf.get("failure_threshold", 5)),
        float(conf.get("reset_seconds", 30)),
        modes=modes,
        client=ctx.outbound,  # the runtime's, shared with webhook deliveries and closed by it
        max_response_bytes=int(conf.get("max_response_bytes", outbound.DEFAULT_MAX_RESPONSE_BYTES)),
    )

