from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rewardkit.kit.db import Base, UTCDateTime

CATEGORIES: dict[str, str] = {
    "gift_card": "Gift cards",
    "merchandise": "Merchandise",
    "lounge": "Airport lounges",
    "charity": "Charity donations",
    "mobile_topup": "Mobile top-ups",
    "perk": "Perks",
}


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_category", "category", "id"),
        Index("ix_products_currency", "currency", "id"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # readable slug: amazon_us
    brand: Mapped[str] = mapped_column(String(120))
    brand_key: Mapped[str] = mapped_column(String(120), index=True)  # lower-cased, for ?brand=
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    # Copied from ISO 4217 so the denomination filter can scale a major amount in SQL.
    minor_exponent: Mapped[int] = mapped_column(Integer)
    countries: Mapped[list[str]] = mapped_column(JSON)
    # Either a fixed list (denomination_values) or a range (min/max/step), in minor units.
    denomination_type: Mapped[str] = mapped_column(String(5))  # fixed | range
    denomination_values: Mapped[list[int] | None] = mapped_column(JSON)
    min_amount: Mapped[int] = mapped_column(BigInteger)
    max_amount: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text, default="")
    redemption_instructions: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(500))
    validity_days: Mapped[int | None] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text)  # lower-cased brand, name, id, category
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProductCountry(Base):
    __tablename__ = "product_countries"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)


class ProductDenomination(Base):
    """One row per fixed denomination, so ?denomination= is an index lookup."""

    __tablename__ = "product_denominations"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class FxRate(Base):
    __tablename__ = "fx_rates"

    base: Mapped[str] = mapped_column(String(3), primary_key=True)
    quote: Mapped[str] = mapped_column(String(3), primary_key=True)
    # A decimal string: "units of quote per 1 base". Never a float, on either database.
    rate: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
