"""What a link lets its recipient pick: the products of its choice sold in its currency (and the
recipient's country), each with the denominations the link covers. Read through the catalog's service,
outside any write transaction."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from rewardkit.catalog import service as catalog
from rewardkit.catalog.errors import ProductNotFound
from rewardkit.kit.money import exponent, format_major, to_minor
from rewardkit.links.errors import ChoiceBrandNotFound, ChoiceProductNotFound

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

# A link whose choice is a whole category, brand or the whole catalog offers at most this many products
# (the catalog's order, by id): the claim page is a picker, not the catalog (docs/links.md).
MAX_CHOICES = 200
_PAGE = 100
# The candidates already found within memo(): a batch of 1,000 links mostly repeats a few choices, and
# each uncached lookup is a catalog query (a category or brand choice pages through the catalog).
_MEMO: ContextVar[dict[bytes, list[dict[str, Any]]] | None] = ContextVar("links_choices_memo", default=None)


@contextlib.contextmanager
def memo() -> Iterator[None]:
    """Within this block (this task only), candidates() answers a (currency, country, choice) it has
    answered before from memory. Only successes are kept: a refusal is raised again, each time."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


async def candidates(
    ctx: Runtime, currency: str, country: str | None, choice: dict[str, Any] | None, *, strict: bool
) -> list[dict[str, Any]]:
    """The choice's products (catalog.render shape) sold in `currency` and, if given, in `country`.
    `strict` (creating a link): a product id the catalog does not have is a 422; later (claiming) a
    product gone from the catalog is simply no longer offered."""
    cache = _MEMO.get()
    if cache is None:
        return await _candidates(ctx, currency, country, choice, strict=strict)
    key = orjson.dumps([currency, country, choice, strict], option=orjson.OPT_SORT_KEYS)
    if key not in cache:
        cache[key] = await _candidates(ctx, currency, country, choice, strict=strict)
    return cache[key]


async def _candidates(
    ctx: Runtime, currency: str, country: str | None, choice: dict[str, Any] | None, *, strict: bool
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if choice is not None and choice.get("products"):
        for i, product_id in enumerate(choice["products"]):
            try:
                found.append(await catalog.product(ctx, product_id))
            except ProductNotFound:
                if strict:
                    raise ChoiceProductNotFound(
                        f"No product {product_id!r} in the catalog (GET /v1/products).",
                        errors=[
                            {
                                "field": f"choice.products.{i}",
                                "pointer": f"/choice/products/{i}",
                                "in": "body",
                                "message": f"unknown product {product_id}",
                                "code": "product_not_found",
                            }
                        ],
                    ) from None
    else:
        groups: list[tuple[str | None, str | None]] = [(None, None)]
        if choice is not None and choice.get("categories"):
            groups = [(c, None) for c in choice["categories"]]
        elif choice is not None and choice.get("brands"):
            groups = [(None, b) for b in choice["brands"]]
        for index, (category, brand) in enumerate(groups):
            cursor: str | None = None
            while len(found) < MAX_CHOICES:
                got = await catalog.list_products(
                    ctx,
                    country=country,
                    currency=currency,
                    category=category,
                    brand=brand,
                    denomination=None,
                    q=None,
                    cursor=cursor,
                    limit=_PAGE,
                )
                found.extend(got["data"])
                cursor = got["next_cursor"]
                if not got["has_more"]:
                    break
            if (
                strict
                and brand is not None
                and not any(str(p["brand"]).lower() == brand.strip().lower() for p in found)
            ):
                await _known_brand(ctx, brand, index)
    seen: set[str] = set()
    out = []
    for p in found:
        if p["id"] in seen or p["currency"] != currency or (country is not None and country not in p["countries"]):
            continue
        seen.add(p["id"])
        out.append(p)
    return out[:MAX_CHOICES]


async def _known_brand(ctx: Runtime, brand: str, index: int) -> None:
    """A brand with no product here (currency, country) is value_not_allowed later; one that no product
    of the catalog has at all is a typo, and says so (choice_brand_not_found)."""
    got = await catalog.list_products(
        ctx, country=None, currency=None, category=None, brand=brand, denomination=None, q=None, cursor=None, limit=1
    )
    if not got["data"]:
        raise ChoiceBrandNotFound(
            f"No product of the catalog has the brand {brand!r} (GET /v1/products lists each one's brand).",
            errors=[
                {
                    "field": f"choice.brands.{index}",
                    "pointer": f"/choice/brands/{index}",
                    "in": "body",
                    "message": f"unknown brand {brand}",
                    "code": "brand_not_found",
                }
            ],
        )


# The catalog's descriptions end with a sentence made from the product's denominations ("Available in
# 10.00 USD, 25.00 USD." or "Choose any amount from 5.00 EUR to 50.00 EUR."): a claim view narrows the
# denominations, so that sentence is written again from the narrowed ones, never left to contradict them.
_AMOUNT = r"[\d,]+(?:\.\d+)? [A-Z]{3}"
_AMOUNTS_SENTENCE = re.compile(
    rf"(?:Available in {_AMOUNT}(?:, {_AMOUNT})*|Choose any amount from {_AMOUNT} to {_AMOUNT})\.$"
)


def _amount(value: str, currency: str) -> str:
    exp = exponent(currency)
    return f"{Decimal(value):,.{exp}f} {currency}"


def _described(product: dict[str, Any], denominations: dict[str, Any], currency: str) -> dict[str, Any]:
    if denominations["type"] == "fixed":
        sentence = "Available in " + ", ".join(_amount(v, currency) for v in denominations["values"]) + "."
    else:
        low, high = _amount(denominations["min"], currency), _amount(denominations["max"], currency)
        sentence = f"Choose any amount from {low} to {high}."
    description = _AMOUNTS_SENTENCE.sub(lambda _m: sentence, str(product.get("description", "")))
    return {**product, "denominations": denominations, "description": description}


def covered(product: dict[str, Any], currency: str, remaining: int, whole: bool) -> dict[str, Any] | None:
    """The product with only the denominations the link covers (its description's amounts sentence
    to match), or None if it covers none. `whole` (a single-reward link): exactly the remaining value;
    else (allow_split) any amount up to it."""
    d = product["denominations"]

    def minor(v: str) -> int:
        return to_minor(Decimal(v), currency)

    if d["type"] == "fixed":
        values = [minor(v) for v in d["values"]]
        fits = [v for v in values if (v == remaining if whole else v <= remaining)]
        if not fits:
            return None
        return _described(product, {"type": "fixed", "values": [format_major(v, currency) for v in fits]}, currency)
    low, high, step = minor(d["min"]), minor(d["max"]), minor(d["step"]) or 1
    if whole:
        if not (low <= remaining <= high) or (remaining - low) % step:
            return None
        return _described(product, {"type": "fixed", "values": [format_major(remaining, currency)]}, currency)
    if low > remaining:
        return None
    top = min(high, low + (remaining - low) // step * step)
    narrowed = {"type": "range", "min": d["min"], "max": format_major(top, currency), "step": d["step"]}
    return _described(product, narrowed, currency)


async def offered(
    ctx: Runtime, currency: str, country: str | None, choice: dict[str, Any] | None, remaining: int, whole: bool
) -> list[dict[str, Any]]:
    """What the recipient may claim now: the candidates narrowed to what the link still covers."""
    out = []
    for p in await candidates(ctx, currency, country, choice, strict=False):
        narrowed = covered(p, currency, remaining, whole)
        if narrowed is not None:
            out.append(narrowed)
    return out


def _in_choice(product: dict[str, Any], choice: dict[str, Any] | None) -> bool:
    if not choice:
        return True
    if choice.get("products"):
        return product["id"] in choice["products"]
    if choice.get("categories"):
        return product["category"] in choice["categories"]
    if choice.get("brands"):  # as the catalog's ?brand= matches: case-insensitive
        return str(product["brand"]).lower() in {b.strip().lower() for b in choice["brands"]}
    return True


async def allowed(
    ctx: Runtime,
    currency: str,
    country: str | None,
    choice: dict[str, Any] | None,
    product_id: str,
    remaining: int,
    whole: bool,
) -> dict[str, Any] | None:
    """The one product a claim names, narrowed as offered() narrows it, or None if the link does not
    offer it. A claim names its product, so this reads that product alone (the process's product cache)
    instead of listing the choice: for a link whose choice is a category or the whole catalog that
    listing rendered up to MAX_CHOICES products per claim, and a claim took 96 ms instead of 44 ms
    in-process on SQLite (40 claims, 2 cores). MAX_CHOICES bounds what a page shows, not what may be
    claimed: any product of the choice sold in the link's currency and country is claimable."""
    try:
        product = await catalog.product(ctx, product_id)
    except ProductNotFound:
        return None
    if product["currency"] != currency or (country is not None and country not in product["countries"]):
        return None
    if not _in_choice(product, choice):
        return None
    return covered(product, currency, remaining, whole)
