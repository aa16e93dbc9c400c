from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from rewardkit.auth.api import require_api_key
from rewardkit.catalog import service
from rewardkit.catalog.models import CATEGORIES
from rewardkit.catalog.schemas import CategoryList, CountryList, ProductList, ProductOut
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.runtime import Runtime, get_runtime

COUNTRIES_MAX = 250  # ISO 3166-1 has 249 countries

router = APIRouter(prefix="/v1", tags=["Catalog"], dependencies=[Depends(require_api_key)], route_class=StrictJSONRoute)


@router.get("/products", operation_id="listProducts", response_model=ProductList, response_class=JSONResponse)
async def list_products(
    request: Request,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. US")] = None,
    currency: Annotated[str | None, Query(pattern="^[A-Za-z]{3}$", description="ISO 4217, e.g. USD")] = None,
    category: Annotated[str | None, Query(description=f"One of {', '.join(CATEGORIES)}")] = None,
    denomination: Annotated[
        Decimal | None, Query(gt=0, allow_inf_nan=False, max_digits=20, description="Sold in this amount, e.g. 50")
    ] = None,
    brand: Annotated[str | None, Query(max_length=120, description="Exact brand, case-insensitive")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Free text over brand, name and description")] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """List products, filtered. Every filter narrows the list; pages follow `next_cursor`."""
    body = await service.list_products(
        ctx,
        country=country,
        currency=currency,
        category=category,
        brand=brand,
        denomination=denomination,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return respond(request, body, "list")


@router.get(
    "/products/{product_id}",
    operation_id="getProduct",
    response_model=ProductOut,
    response_class=JSONResponse,
    responses={404: {"description": "product_not_found"}},
)
async def get_product(
    request: Request, product_id: str, ctx: Annotated[Runtime, Depends(get_runtime)]
) -> JSONResponse:
    return respond(request, await service.product(ctx, product_id), "product")


@router.get("/categories", operation_id="listCategories", response_model=CategoryList, response_class=JSONResponse)
async def list_categories(
    request: Request, ctx: Annotated[Runtime, Depends(get_runtime)], cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    return respond(request, await service.list_categories(ctx, cursor=cursor, limit=limit), "list")


@router.get("/countries", operation_id="listCountries", response_model=CountryList, response_class=JSONResponse)
async def list_countries(
    request: Request,
    ctx: Annotated[Runtime, Depends(get_runtime)],
    cursor: Cursor = None,
    # Every country fits one page by default, as before limits: a country picker needs no paging.
    limit: Annotated[int, Query(ge=1, le=COUNTRIES_MAX, description=f"1 to {COUNTRIES_MAX}, default {COUNTRIES_MAX}")]
    = COUNTRIES_MAX,
) -> JSONResponse:
    return respond(request, await service.list_countries(ctx, cursor=cursor, limit=limit), "list")
