"""What the store's pages read (#15): the catalog as one member sees it, priced in points; their balance;
their past redemptions with the orders and vouchers.

Every read goes through another domain's service with the visit's principal (a member session: its org
and mode), so the org and mode scoping is theirs; the member scoping is here: a redemption is shown only
when its debit belongs to the visit's member.

The catalog is GET /v1/products' own read (catalog.service.list_products: indexed, keyset by product id)
narrowed to the member's country and the program's currency, then the store's include/exclude lists and
the points range, which SQL does not know, applied to each batch. A page reads at most MAX_SCAN products
(bounded work with 100,000 products, whatever the filters); if it filled fewer than it shows, the cursor
carries on from the last product read, so "More" continues the scan rather than skipping anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rewardkit.catalog import service as catalog
from rewardkit.catalog.models import CATEGORIES
from rewardkit.kit.errors import Problem
from rewardkit.kit.pagination import decode_cursor, encode_cursor
from rewardkit.orders import service as orders
from rewardkit.points import redemptions
from rewardkit.points import service as points
from rewardkit.points.models import PointsProgram

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime
    from rewardkit.storefront.sessions import Visit

PAGE = 12  # products per catalog page
FEATURED = 4  # products on the home page
BATCH = 100  # products read per query at most while filling a page
MAX_SCAN = 1000  # products read per page at most (bounded work, whatever the filters)
REWARDS_PAGE = 20  # rewards a page shows at least, when the member has that many
HISTORY_BATCH = 50  # points transactions read per query for "my rewards"
HISTORY_PAGES = 5  # queries per page at most


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str = ""
    min_points: int | None = None
    max_points: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.q or self.category or self.min_points is not None or self.max_points is not None)


@dataclass(frozen=True)
class Shelf:
    """One page of the catalog as the member sees it."""

    products: list[dict[str, Any]]
    next_cursor: str | None
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class Member:
    program: PointsProgram  # detached: only currency and points_per_unit are read from it
    program_name: str
    available: int
    pending: int
    country: str | None
    name: str | None


async def member(ctx: Runtime, visit: Visit) -> Member:
    """The visit's member and their program (balance included)."""
    got = await points.get_program(ctx, visit.principal, visit.store.program_id)
    m = await points.get_member(ctx, visit.principal, visit.store.program_id, visit.member_id)
    # points_for reads only these two fields; the service hands out rendered dicts, not rows.
    program = PointsProgram(id=got["id"], currency=got["currency"], points_per_unit=got["points_per_unit"])
    return Member(
        program=program,
        program_name=got["name"],
        available=int(m["balance"]["available"]),
        pending=int(m["balance"]["pending"]),
        country=m["country"],
        name=m["name"],
    )


def categories(visit: Visit) -> list[tuple[str, str]]:
    """The categories the store sells: (id, label), after its include/exclude lists."""
    store = visit.store
    return [
        (c, label)
        for c, label in CATEGORIES.items()
        if (not store.include_categories or c in store.include_categories) and c not in store.exclude_categories
    ]


def points_of(program: PointsProgram, value: str, currency: str) -> int | None:
    try:
        return redemptions.points_for(program, Decimal(value), currency)
    except Problem:  # not a whole number of points, another currency: not offered for points
        return None


def price(program: PointsProgram, product: dict[str, Any]) -> dict[str, Any] | None:
    """The product with its denominations priced in points; None if no denomination is worth a whole
    number of points (or it is sold in another currency than the program's)."""
    d, ccy = product["denominations"], product["currency"]
    if ccy != program.currency:
        return None
    if d["type"] == "fixed":
        options = [{"value": v, "points": p} for v in d["values"] if (p := points_of(program, v, ccy)) is not None]
        if not options:
            return None
        low, high = options[0]["points"], options[-1]["points"]
        return {**product, "options": options, "range": None, "min_points": low, "max_points": high}
    low_p, high_p = points_of(program, d["min"], ccy), points_of(program, d["max"], ccy)
    if low_p is None or high_p is None:
        return None
    rng = {**d, "min_points": low_p, "max_points": high_p}
    return {**product, "options": [], "range": rng, "min_points": low_p, "max_points": high_p}


def _sold_here(visit: Visit, product: dict[str, Any], country: str | None) -> bool:
    store = visit.store
    if store.include_products and product["id"] not in store.include_products:
        return False
    if product["id"] in store.exclude_products:
        return False
    if store.include_categories and product["category"] not in store.include_categories:
        return False
    if product["category"] in store.exclude_categories:
        return False
    return country is None or country in product["countries"]


def _fits(priced: dict[str, Any], f: Filters) -> bool:
    if f.min_points is not None and priced["max_points"] < f.min_points:
        return False
    return f.max_points is None or priced["min_points"] <= f.max_points


def _matches(product: dict[str, Any], f: Filters) -> bool:
    """What the catalog's SQL filters, for a store that lists its products by id."""
    if f.category and product["category"] != f.category:
        return False
    text = f"{product['brand']} {product['name']} {product.get('description') or ''}".lower()
    return all(w in text for w in f.q.lower().split())


async def shelf(ctx: Runtime, visit: Visit, who: Member, f: Filters, cursor: str | None, limit: int = PAGE) -> Shelf:
    """A page of the products this member may redeem, filtered; `cursor` from the previous page."""
    if visit.store.include_products:
        return await _listed(ctx, visit, who, f, cursor, limit)
    found: list[dict[str, Any]] = []
    scanned, more = 0, True
    after = cursor
    # The first read asks for the page (most filters fill it at once: every product rendered is CPU);
    # each further read four times more, up to BATCH, for filters the SQL cannot apply.
    batch = limit + 1
    while more and len(found) < limit and scanned < MAX_SCAN:
        got = await catalog.list_products(
            ctx,
            country=who.country,
            currency=who.program.currency,
            category=f.category or None,
            brand=None,
            denomination=None,
            q=f.q or None,
            cursor=after,
            limit=batch,
        )
        batch = min(BATCH, batch * 4)
        rows: list[dict[str, Any]] = got["data"]
        scanned += len(rows)
        more = bool(got["has_more"])
        for i, product in enumerate(rows):
            priced = price(who.program, product) if _sold_here(visit, product, who.country) else None
            if priced is not None and _fits(priced, f):
                found.append(priced)
                if len(found) == limit:
                    # The page is full: carry on after this product (the rest of the batch is unread).
                    more = more or i < len(rows) - 1
                    return Shelf(found, encode_cursor(product["id"]) if more else None, f)
        after = got["next_cursor"]
    return Shelf(found, after if more else None, f)


async def _listed(ctx: Runtime, visit: Visit, who: Member, f: Filters, cursor: str | None, limit: int) -> Shelf:
    """A store that names its products: read those (a short list, through the product cache), not the catalog."""
    start = decode_cursor(cursor)
    found: list[dict[str, Any]] = []
    for product_id in sorted(visit.store.include_products):
        if start is not None and product_id <= start:
            continue
        product = await _product(ctx, product_id)
        if product is None or not _sold_here(visit, product, who.country) or not _matches(product, f):
            continue
        priced = price(who.program, product)
        if priced is None or not _fits(priced, f):
            continue
        if len(found) == limit:
            return Shelf(found, encode_cursor(found[-1]["id"]), f)
        found.append(priced)
    return Shelf(found, None, f)


async def _product(ctx: Runtime, product_id: str) -> dict[str, Any] | None:
    try:
        return await catalog.product(ctx, product_id)
    except Problem:  # unknown or inactive
        return None


async def product(ctx: Runtime, visit: Visit, who: Member, product_id: str) -> dict[str, Any] | None:
    """One product priced in points, if this store sells it to this member; None otherwise (as unknown)."""
    found = await _product(ctx, product_id)
    if found is None or not _sold_here(visit, found, who.country):
        return None
    return price(who.program, found)


def option(priced: dict[str, Any], denomination: str) -> dict[str, Any] | None:
    """The denomination as the product writes it, with its points, if the product sells it."""
    try:
        wanted = Decimal(denomination)
    except ArithmeticError:
        return None
    if not wanted.is_finite():
        return None
    for o in priced["options"]:
        if Decimal(o["value"]) == wanted:
            return dict(o)
    rng = priced["range"]
    if rng is None:
        return None
    low, high, step = Decimal(rng["min"]), Decimal(rng["max"]), Decimal(rng["step"]) or Decimal("0.01")
    if not (low <= wanted <= high) or (wanted - low) % step:
        return None
    value = str(wanted.quantize(low))
    return {"value": value, "points": None}


async def product_name(ctx: Runtime, product_id: str) -> str:
    """What a past reward is called on the page: the product's name (through the product cache), else its id."""
    found = await _product(ctx, product_id)
    return str(found["name"]) if found is not None else product_id


async def rewards(ctx: Runtime, visit: Visit, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The member's redemptions, newest first as the member's history lists them: (orders, next cursor).
    Each is the order as GET /v1/orders/{id} shows it, plus the points it took. The history mixes credits
    in: it is read a bounded number of pages until a page of rewards is found."""
    out: list[dict[str, Any]] = []
    after = cursor
    for _ in range(HISTORY_PAGES):
        got = await points.list_transactions(
            ctx, visit.principal, visit.store.program_id, visit.member_id, after, HISTORY_BATCH
        )
        for tx in got["data"]:
            ref = tx["reference"] or ""
            if tx["type"] != "debit" or not ref.startswith("redemption:"):
                continue
            order = await orders.get(ctx, visit.principal, ref.removeprefix("redemption:"))
            out.append({**order, "points": abs(int(tx["points"]))})
        after = got["next_cursor"]
        if after is None or len(out) >= REWARDS_PAGE:
            break
    return out, after


async def reward(ctx: Runtime, visit: Visit, order_id: str) -> dict[str, Any] | None:
    """One of the member's own redemptions (its order and the points); None for any other order id:
    another member's, another org's or mode's, or no redemption at all look the same."""
    try:
        got = await redemptions.current(ctx, visit.principal, visit.store.program_id, order_id)
    except Problem:
        return None
    if got["member_id"] != visit.member_id:
        return None
    return got
