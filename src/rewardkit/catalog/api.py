from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from rewardkit.auth.api import require_identity
from rewardkit.catalog import repository, service
from rewardkit.catalog.errors import ProductNotFound
from rewardkit.catalog.models import CATEGORIES
from rewardkit.catalog.schemas import CategoryOut, CountryOut, ProductOut
from rewardkit.kit.context import AppContext, get_context
from rewardkit.kit.errors import ValidationFailed
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.kit.responses import JSONResponse, respond

router = APIRouter(prefix="/v1", tags=["Catalog"], dependencies=[Depends(require_identity)])


def _list_of(model: type) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": "A page",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "object": {"const": "list"},
                            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{model.__name__}"}},
                            "has_more": {"type": "boolean"},
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    }
                }
            },
        }
    }


@router.get("/products", operation_id="listProducts", responses=_list_of(ProductOut), response_class=JSONResponse)
async def list_products(
    request: Request,
    ctx: Annotated[AppContext, Depends(get_context)],
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
    return respond(request, page(rows, limit, key=lambda p: p.id, render=service.render), "list")


@router.get(
    "/products/{product_id}",
    operation_id="getProduct",
    response_model=ProductOut,
    response_class=JSONResponse,
    responses={404: {"description": "No such product"}},
)
async def get_product(
    request: Request, product_id: str, ctx: Annotated[AppContext, Depends(get_context)]
) -> JSONResponse:
    async with ctx.db.unit_of_work(readonly=True) as s:
        p = await repository.get(s, product_id)
    if p is None or not p.active:
        raise ProductNotFound(f"No product {product_id!r}. List products with GET /v1/products.")
    return respond(request, service.render(p), "product")


@router.get("/categories", operation_id="listCategories", responses=_list_of(CategoryOut), response_class=JSONResponse)
async def list_categories(request: Request, ctx: Annotated[AppContext, Depends(get_context)]) -> JSONResponse:
    async with ctx.db.unit_of_work(readonly=True) as s:
        data = await service.categories(s)
    return respond(request, {"object": "list", "data": data, "has_more": False, "next_cursor": None}, "list")


@router.get("/countries", operation_id="listCountries", responses=_list_of(CountryOut), response_class=JSONResponse)
async def list_countries(request: Request, ctx: Annotated[AppContext, Depends(get_context)]) -> JSONResponse:
    async with ctx.db.unit_of_work(readonly=True) as s:
        data = await service.countries(s)
    return respond(request, {"object": "list", "data": data, "has_more": False, "next_cursor": None}, "list")
