"""Catalog rules: what is sold where, in which amounts, and what one currency costs in another."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext
from importlib import resources
from typing import TYPE_CHECKING, Any

import pycountry
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.catalog import repository
from rewardkit.catalog.errors import (
    CatalogImportError,
    CurrencyMismatch,
    FxRateUnavailable,
    InvalidDenomination,
    ProductNotFound,
)
from rewardkit.catalog.models import CATEGORIES, FxRate, Product
from rewardkit.catalog.schemas import CategoryOut, CountryOut, ProductIn, ProductOut
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import ValidationFailed
from rewardkit.kit.money import MoneyError, exponent, format_major, is_currency, to_minor
from rewardkit.kit.pagination import decode_cursor, page, page_in_memory

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

FX_BASE = "USD"


def render(p: Product) -> dict[str, Any]:
    if p.denomination_type == "fixed":
        values = p.denomination_values or []
        denoms: dict[str, Any] = {"type": "fixed", "values": [format_major(v, p.currency) for v in values]}
    else:
        denoms = {
            "type": "range",
            "min": format_major(p.min_amount, p.currency),
            "max": format_major(p.max_amount, p.currency),
            "step": format_major(p.step or 1, p.currency),
        }
    return ProductOut(
        id=p.id,
        brand=p.brand,
        name=p.name,
        category=p.category,
        countries=p.countries,
        currency=p.currency,
        denominations=denoms,
        description=p.description,
        redemption_instructions=p.redemption_instructions,
        terms=p.terms,
        image_url=p.image_url,
        validity_days=p.validity_days,
    ).model_dump()


# Orders read the same few products over and over: each process keeps them PRODUCT_TTL seconds, so an
# import reaches other running processes within that time (at once in the importing process).
PRODUCT_TTL = 30.0


class ProductCache:
    """Products by id for PRODUCT_TTL seconds, per process (a runtime part, catalog/module.py)."""

    def __init__(self, ttl: float = PRODUCT_TTL, size: int = 50_000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: dict[str, tuple[float, Product]] = {}

    @classmethod
    def open(cls, rt: object) -> ProductCache:
        return cls()

    def get(self, product_id: str) -> Product | None:
        hit = self._items.get(product_id)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, p: Product) -> None:
        if len(self._items) >= self.size:
            self._items.clear()
        self._items[p.id] = (time.monotonic() + self.ttl, p)

    def clear(self) -> None:
        self._items.clear()


async def get_product(
    s: AsyncSession, cache: ProductCache | None, product_id: str, include_inactive: bool = False
) -> Product:
    """The product, through the process's cache where the caller has one (the API, the workers); a
    404 problem if there is none (or it is inactive, unless `include_inactive`)."""
    p = cache.get(product_id) if cache is not None else None
    if p is None:
        p = await repository.get(s, product_id)
        if p is not None and cache is not None:
            s.expunge(p)  # a detached, fully loaded copy is safe to share between requests
            cache.put(p)
    if p is None or not (p.active or include_inactive):
        raise ProductNotFound(f"No product {product_id!r}. List products with GET /v1/products.")
    return p


async def list_products(
    ctx: Runtime,
    *,
    country: str | None,
    currency: str | None,
    category: str | None,
    brand: str | None,
    denomination: Decimal | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """A page of active products, every filter narrowing it (GET /v1/products)."""
    if category is not None and category not in CATEGORIES:
        raise ValidationFailed(
            errors=[{"field": "category", "message": f"must be one of {', '.join(CATEGORIES)}", "in": "query"}]
        )
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.search(
            s,
            country=country.upper() if country else None,
            currency=currency.upper() if currency else None,
            category=category,
            brand=brand,
            denomination=denomination,
            q=q,
            after=decode_cursor(cursor),
            limit=limit,
        )
    return page(rows, limit, key=lambda p: p.id, render=render)


async def product(ctx: Runtime, product_id: str) -> dict[str, Any]:
    """One active product (GET /v1/products/{id}), through the process's product cache as orders are."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        return render(await get_product(s, ctx.part(ProductCache), product_id))


async def list_categories(ctx: Runtime, *, cursor: str | None, limit: int) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        data = await categories(s)
    return page_in_memory(data, cursor, limit, key=lambda c: c["id"])


async def list_countries(ctx: Runtime, *, cursor: str | None, limit: int) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        data = await countries(s)
    return page_in_memory(data, cursor, limit, key=lambda c: c["id"])


def face_value(p: Product, currency: str, denomination: Decimal) -> int:
    """The order's amount in the product currency's minor units, or a clear 422."""
    if currency != p.currency:
        raise CurrencyMismatch(f"{p.id} is sold in {p.currency}, not {currency}.", product_currency=p.currency)
    try:
        minor = to_minor(denomination, currency)
    except MoneyError as exc:
        raise InvalidDenomination(f"{denomination} {currency}: {exc}.") from exc
    if p.denomination_type == "fixed":
        allowed = p.denomination_values or []
        if minor not in allowed:
            values = ", ".join(format_major(v, currency) for v in allowed)
            raise InvalidDenomination(f"{p.id} is sold in {values} {currency}.")
    else:
        step = p.step or 1
        if not (p.min_amount <= minor <= p.max_amount) or (minor - p.min_amount) % step:
            raise InvalidDenomination(
                f"{p.id} is sold from {format_major(p.min_amount, currency)} to "
                f"{format_major(p.max_amount, currency)} {currency} in steps of {format_major(step, currency)}."
            )
    return minor


@dataclass(frozen=True)
class Conversion:
    charged: int  # in the wallet currency's minor units
    rate: str  # wallet units per 1 unit of the order currency, markup included


async def convert(s: AsyncSession, amount: int, from_ccy: str, to_ccy: str, markup_bps: int) -> Conversion:
    """Price `amount` of from_ccy in to_ccy, rounded up so a conversion never under-charges."""
    rate_from = await _rate(s, from_ccy)
    rate_to = await _rate(s, to_ccy)
    with localcontext() as ctx:
        ctx.prec = 40
        rate = rate_to / rate_from * (Decimal(1) + Decimal(markup_bps) / Decimal(10_000))
        major = Decimal(amount).scaleb(-exponent(from_ccy)) * rate
        charged = int(major.scaleb(exponent(to_ccy)).to_integral_value(rounding=ROUND_CEILING))
        shown = rate.quantize(Decimal("1e-10"))
    return Conversion(charged=charged, rate=format(shown.normalize(), "f"))


async def _rate(s: AsyncSession, currency: str) -> Decimal:
    if currency == FX_BASE:
        return Decimal(1)
    row = await repository.get_rate(s, FX_BASE, currency)
    if row is None:
        raise FxRateUnavailable(f"No exchange rate for {currency}; ask the operator to load one.")
    return Decimal(row.rate)


# --- listing --------------------------------------------------------------------------------------


async def categories(s: AsyncSession) -> list[dict[str, Any]]:
    counts = await repository.category_counts(s)
    return [CategoryOut(id=k, name=v, product_count=counts.get(k, 0)).model_dump() for k, v in CATEGORIES.items()]


async def countries(s: AsyncSession) -> list[dict[str, Any]]:
    per: dict[str, tuple[set[str], int]] = {}
    for code, currency, n in await repository.country_stats(s):
        currencies, total = per.get(code, (set(), 0))
        currencies.add(currency)
        per[code] = (currencies, total + n)
    out = []
    for code, (currencies, total) in sorted(per.items()):
        c = pycountry.countries.get(alpha_2=code)
        name = getattr(c, "common_name", None) or (c.name if c else code)
        out.append(CountryOut(id=code, name=name, currencies=sorted(currencies), product_count=total).model_dump())
    return out


# --- import ---------------------------------------------------------------------------------------


def parse_catalog(text: str, fmt: str) -> list[ProductIn]:
    """Validate a whole file before anything is written: an import is all or nothing."""
    text = text.removeprefix("\ufeff")  # a byte-order mark from spreadsheet exports
    errors: list[dict[str, Any]] = []
    try:
        if fmt == "json":
            data = json.loads(text)
            raw = data["products"] if isinstance(data, dict) else data
            if not isinstance(raw, list):
                raise CatalogImportError('Expected a list of products or {"products": [...]}.')
        elif fmt == "csv":
            raw = []
            for i, r in enumerate(csv.DictReader(io.StringIO(text))):
                try:
                    raw.append(_csv_row(r))
                except (ValueError, ArithmeticError) as exc:  # bad currency, amount or number
                    field = "currency" if "unknown currency" in str(exc) else "denominations"
                    errors.append({"row": i + 1, "field": field, "message": str(exc) or "invalid"})
                    raw.append(None)
        else:
            raise CatalogImportError("Use a .json or .csv file.")
    except (json.JSONDecodeError, KeyError, ValueError) as exc:
        raise CatalogImportError(f"Could not read the file: {exc}") from exc
    items: list[ProductIn] = []
    seen: set[str] = set()
    for i, row in enumerate(raw):
        if row is None:
            continue
        try:
            item = ProductIn.model_validate(row)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(x) for x in e["loc"])
                errors.append({"row": i + 1, "field": loc, "message": e["msg"]})
            continue
        if item.id in seen:
            errors.append({"row": i + 1, "field": "id", "message": f"duplicate id {item.id}"})
        seen.add(item.id)
        items.append(item)
    if errors:
        raise CatalogImportError(f"{len(errors)} problem(s) in the file; nothing was imported.", errors=errors)
    return items


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    """CSV columns: id, brand, name, category, countries (space/pipe separated), currency,
    denominations ("10.00|25.00" fixed, or "5.00-500.00/0.01" range, in major units), description,
    redemption_instructions, terms, image_url, validity_days."""
    currency = row.get("currency", "")
    spec = (row.get("denominations") or "").strip()
    denoms: dict[str, Any]
    if "-" in spec:
        bounds, _, step = spec.partition("/")
        lo, _, hi = bounds.partition("-")
        denoms = {"min": to_minor(lo, currency), "max": to_minor(hi, currency)}
        if step:
            denoms["step"] = to_minor(step, currency)
    else:
        denoms = {"fixed": [to_minor(v, currency) for v in spec.replace(",", "|").split("|") if v]}
    out: dict[str, Any] = {k: v for k, v in row.items() if k not in {"denominations", "countries"} and v}
    out["countries"] = [c for c in (row.get("countries") or "").replace("|", " ").split() if c]
    out["denominations"] = denoms
    if "validity_days" in out:
        out["validity_days"] = int(out["validity_days"])
    return out


async def import_products(s: AsyncSession, items: list[ProductIn], cache: ProductCache | None = None) -> int:
    """Upsert products. `cache`: the calling process's product cache, emptied so that it sees the import
    at once (other processes see it within PRODUCT_TTL)."""
    if cache is not None:
        cache.clear()
    now = utcnow()
    for it in items:
        d = it.denominations
        fixed = sorted(d.fixed) if d.fixed is not None else None
        product = Product(
            id=it.id,
            brand=it.brand,
            brand_key=it.brand.lower(),
            name=it.name,
            category=it.category,
            currency=it.currency,
            minor_exponent=exponent(it.currency),
            countries=it.countries,
            denomination_type="fixed" if fixed is not None else "range",
            denomination_values=fixed,
            min_amount=fixed[0] if fixed else d.min or 0,
            max_amount=fixed[-1] if fixed else d.max or 0,
            step=None if fixed else (d.step or 1),
            description=it.description,
            redemption_instructions=it.redemption_instructions,
            terms=it.terms,
            image_url=it.image_url,
            validity_days=it.validity_days,
            search_text=" ".join([it.id, it.brand, it.name, it.category, it.description]).lower(),
            active=it.active,
            updated_at=now,
        )
        await repository.upsert_product(s, product, fixed)
    await s.flush()
    return len(items)


def load_rates(text: str) -> tuple[str, str, dict[str, str]]:
    """{"base": "USD", "as_of": "2026-11-01", "rates": {"EUR": "0.92", ...}}; all or nothing."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
        raw = data["rates"]
        if not isinstance(raw, dict):
            raise TypeError("rates must be an object")
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise CatalogImportError(f'Expected {{"base": "USD", "rates": {{"EUR": "0.92", ...}}}}: {exc}') from exc
    rates, errors = {}, []
    for k, v in raw.items():
        try:
            rate = Decimal(str(v))
            ok = rate.is_finite() and rate > 0 and is_currency(k)
        except ArithmeticError:
            ok = False
        if not ok:
            errors.append({"row": k, "field": "rates", "message": "needs an ISO 4217 code and a positive number"})
        else:
            rates[k] = str(v)
    if errors:
        raise CatalogImportError(f"{len(errors)} bad rate(s); nothing was imported.", errors=errors)
    return str(data.get("base", FX_BASE)), str(data.get("as_of", "")), rates


async def import_rates(s: AsyncSession, text: str) -> int:
    base, as_of, rates = load_rates(text)
    if base != FX_BASE:
        raise CatalogImportError(f"rates must be quoted per 1 {FX_BASE}")
    now = utcnow()
    for quote, rate in rates.items():
        await repository.upsert_rate(s, FxRate(base=base, quote=quote, rate=rate, as_of=as_of, updated_at=now))
    await s.flush()
    return len(rates)


async def seed_sandbox(s: AsyncSession) -> tuple[int, int]:
    """Load the shipped sandbox catalog and FX rates (idempotent: upserts)."""
    data = resources.files("rewardkit.catalog").joinpath("data")
    products = parse_catalog(data.joinpath("sandbox_catalog.json").read_text(), "json")
    n = await import_products(s, products)
    r = await import_rates(s, data.joinpath("fx_rates.json").read_text())
    return n, r


async def seed_sandbox_if_empty(s: AsyncSession) -> bool:
    """The sandbox catalog on a database that has no product yet (`make serve`); True if it seeded."""
    if await repository.product_count(s) > 0:
        return False
    await seed_sandbox(s)
    return True
