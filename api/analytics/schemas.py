from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class StatsRow(BaseModel):
    """One vendor, one UTC day, one currency of `analytics.vendor_stats` (amounts in minor units)."""

    date: date
    currency_code: str
    gross_sales: int
    net_sales: int
    orders: int
    items: int
    average_order_value: int
    refunds: int
    commission: int
    earnings: int
    top_products: list[dict[str, Any]] = Field(default_factory=list)


class StatsTotals(BaseModel):
    """The range summed per currency; the average order value is gross_sales / orders, half-even."""

    currency_code: str
    gross_sales: int
    net_sales: int
    orders: int
    items: int
    average_order_value: int
    refunds: int
    commission: int
    earnings: int
    top_products: list[dict[str, Any]] = Field(default_factory=list)


class VendorStatsOut(BaseModel):
    vendor_id: str
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    totals: list[StatsTotals]
    series: list[StatsRow]

    model_config = {"populate_by_name": True}
