"""The catalog domain: products, categories, countries, denominations, FX rates."""

from rewardkit.catalog.api import router
from rewardkit.catalog.cli import catalog_app
from rewardkit.catalog.examples import RESPONSES
from rewardkit.catalog.models import FxRate, Product, ProductCountry, ProductDenomination
from rewardkit.catalog.service import ProductCache
from rewardkit.kit.module import Module

MODULE = Module(
    name="catalog",
    routers=(router,),
    tags=({"name": "Catalog", "description": "What can be bought, where, and in which amounts."},),
    examples=RESPONSES,
    tables=(Product, ProductCountry, ProductDenomination, FxRate),
    cli=(("catalog", catalog_app),),
    resources=(ProductCache.open,),
)
