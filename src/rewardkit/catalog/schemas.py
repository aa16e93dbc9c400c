from __future__ import annotations

import re
from typing import Annotated, Literal

import pycountry
from pydantic import Field, field_validator, model_validator

from rewardkit.catalog.models import CATEGORIES
from rewardkit.kit.money import MAX_MINOR, is_currency
from rewardkit.kit.responses import ListObject, ResponseModel
from rewardkit.kit.schemas import RequestModel

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{1,79}$")


class Denominations(RequestModel):
    fixed: list[int] | None = None
    min: int | None = None
    max: int | None = None
    step: int | None = None

    @model_validator(mode="after")
    def _shape(self) -> Denominations:
        if self.fixed is not None:
            if self.min is not None or self.max is not None or self.step is not None:
                raise ValueError("give either fixed or min/max/step, not both")
            if not self.fixed or any(v <= 0 or v > MAX_MINOR for v in self.fixed):
                raise ValueError("fixed denominations must be positive minor-unit integers")
            if len(set(self.fixed)) != len(self.fixed):
                raise ValueError("fixed denominations must be unique")
        else:
            if self.min is None or self.max is None:
                raise ValueError("give fixed, or min and max (and optionally step)")
            step = self.step or 1
            if not (0 < self.min <= self.max <= MAX_MINOR) or step <= 0 or (self.max - self.min) % step:
                raise ValueError("need 0 < min <= max and max - min divisible by step")
        return self


class ProductIn(RequestModel):
    """One product of an imported catalog (JSON or CSV row). Amounts in minor units."""

    id: str
    brand: str = Field(min_length=1, max_length=120)
    name: str = Field(min_length=1, max_length=200)
    category: str
    countries: list[str] = Field(min_length=1)
    currency: str
    denominations: Denominations
    description: str = ""
    redemption_instructions: str = ""
    terms: str = ""
    image_url: str | None = None
    validity_days: int | None = Field(default=None, gt=0, le=36500)
    active: bool = True

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _SLUG.fullmatch(v):
            raise ValueError("ids are lower-case slugs: letters, digits and _")
        return v

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not is_currency(v):
            raise ValueError("not an ISO 4217 currency code")
        return v

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        v = [c.upper() for c in v]
        for c in v:
            if len(c) != 2 or pycountry.countries.get(alpha_2=c) is None:
                raise ValueError(f"{c!r} is not an ISO 3166-1 alpha-2 country code")
        return sorted(set(v))


class FixedDenominationsOut(ResponseModel):
    type: Literal["fixed"]
    values: list[str] = Field(description="The amounts it is sold in, in major units, e.g. \"25.00\"")


class RangeDenominationsOut(ResponseModel):
    type: Literal["range"]
    min: str = Field(description="In major units")
    max: str = Field(description="In major units")
    step: str = Field(description="In major units: any min + n × step up to max")


DenominationsOut = Annotated[FixedDenominationsOut | RangeDenominationsOut, Field(discriminator="type")]


class ProductOut(ResponseModel):
    id: str
    object: Literal["product"] = "product"
    brand: str
    name: str
    category: str
    countries: list[str]
    currency: str
    denominations: DenominationsOut
    description: str
    redemption_instructions: str
    terms: str
    image_url: str | None
    validity_days: int | None


class CategoryOut(ResponseModel):
    id: str
    object: Literal["category"] = "category"
    name: str
    product_count: int


class CountryOut(ResponseModel):
    id: str
    object: Literal["country"] = "country"
    name: str
    currencies: list[str]
    product_count: int


class ProductList(ListObject):
    data: list[ProductOut]


class CategoryList(ListObject):
    data: list[CategoryOut]


class CountryList(ListObject):
    data: list[CountryOut]
