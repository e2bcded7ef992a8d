from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stocked_quantity: int = Field(ge=0, le=10_000_000, description="Units on hand (reserved units included).")


class InventoryLevelOut(BaseModel):
    """The admin view of a variant's stock, and the payload of `inventory.updated`."""

    variant_id: str
    sku: str
    product_id: str
    stocked_quantity: int
    reserved_quantity: int
    available_quantity: int
    version: int
    updated_at: datetime
