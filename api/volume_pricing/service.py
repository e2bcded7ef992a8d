"""Volume pricing: per variant and currency, tiers of quantity ranges with a unit price. Tiers of one variant
and currency never overlap (checked on every write, with the variant row locked). A cart line pays the
price of the tier its quantity falls in, else the list price; a quoted line keeps its quoted price."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from api import money
from api.catalog.models import Product, ProductVariant
from api.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.volume_pricing.models import VolumeTier
from api.volume_pricing.schemas import (
    StoreTierOut,
    StoreVariantTiersOut,
    StoreVolumePricingOut,
    TierIn,
    TierUpdate,
)


def all_tiers() -> Select[VolumeTier]:
    return select(VolumeTier)


def vendor_tiers(vendor_id: str) -> Select[VolumeTier]:
    """The tiers of one vendor's variants."""
    return (
        select(VolumeTier)
        .join(ProductVariant, ProductVariant.id == VolumeTier.variant_id)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(Product.vendor_id == vendor_id)
    )


def list_tiers(
    session: Session, readable: Select[VolumeTier], *, variant_id: str | None, limit: int, offset: int
) -> tuple[list[VolumeTier], int]:
    statement = readable
    if variant_id is not None:
        statement = statement.where(VolumeTier.variant_id == variant_id)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(VolumeTier.variant_id, VolumeTier.currency_code, VolumeTier.min_quantity)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def get_tier(session: Session, readable: Select[VolumeTier], tier_id: str) -> VolumeTier:
    tier = session.scalar(readable.where(VolumeTier.id == tier_id))
    if tier is None:
        raise NotFound("No such volume tier.")
    return tier


def _check(session: Session, tier: VolumeTier) -> None:
    """Lock the variant (so two writers of its tiers take turns), then refuse an overlap with 409."""
    session.scalar(select(ProductVariant.id).where(ProductVariant.id == tier.variant_id).with_for_update())
    if tier.max_quantity is not None and tier.max_quantity < tier.min_quantity:
        raise ValidationFailed("max_quantity is below min_quantity.",
                               errors=[FieldError(field="max_quantity", message="below min_quantity")])
    statement = select(VolumeTier.id).where(
        VolumeTier.variant_id == tier.variant_id,
        VolumeTier.currency_code == tier.currency_code,
        or_(VolumeTier.max_quantity.is_(None), VolumeTier.max_quantity >= tier.min_quantity),
    )
    if tier.max_quantity is not None:
        statement = statement.where(VolumeTier.min_quantity <= tier.max_quantity)
    if tier.id is not None:
        statement = statement.where(VolumeTier.id != tier.id)
    other = session.scalar(statement.limit(1))
    if other is not None:
        raise Conflict(f"The tier overlaps tier {other} of the same variant and currency.", tier_id=other)


def create_tier(session: Session, body: TierIn, readable_variants: Select[ProductVariant]) -> VolumeTier:
    if session.scalar(readable_variants.where(ProductVariant.id == body.variant_id)) is None:
        raise ValidationFailed("Unknown variant.", errors=[FieldError(field="variant_id", message="No such variant.")])
    tier = VolumeTier(**body.model_dump())
    _check(session, tier)
    session.add(tier)
    session.flush()
    session.refresh(tier)
    return tier


def update_tier(session: Session, tier: VolumeTier, body: TierUpdate) -> VolumeTier:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("min_quantity") is not None:
        tier.min_quantity = changes["min_quantity"]
    if changes.get("unit_price") is not None:
        tier.unit_price = changes["unit_price"]
    if "max_quantity" in changes:
        tier.max_quantity = changes["max_quantity"]
    _check(session, tier)
    session.flush()
    return tier


def delete_tier(session: Session, tier: VolumeTier) -> None:
    session.delete(tier)
    session.flush()


def unit_price(session: Session, variant: ProductVariant, currency: str, quantity: int) -> int | None:
    """What one unit costs for a line of `quantity`: the matching tier's price, else the list price."""
    tier_price = session.scalar(
        select(VolumeTier.unit_price).where(
            VolumeTier.variant_id == variant.id,
            VolumeTier.currency_code == currency,
            VolumeTier.min_quantity <= quantity,
            or_(VolumeTier.max_quantity.is_(None), VolumeTier.max_quantity >= quantity),
        )
    )
    return tier_price if tier_price is not None else variant.price_in(currency)


def store_view(session: Session, product: Product, currency: str | None) -> StoreVolumePricingOut:
    variant_ids = [v.id for v in product.variants]
    statement = select(VolumeTier).where(VolumeTier.variant_id.in_(variant_ids))
    if currency is not None:
        statement = statement.where(VolumeTier.currency_code == currency)
    tiers = list(session.scalars(statement.order_by(VolumeTier.currency_code, VolumeTier.min_quantity)))
    variants = []
    for variant in product.variants:
        by_currency: dict[str, list[VolumeTier]] = {}
        for tier in tiers:
            if tier.variant_id == variant.id:
                by_currency.setdefault(tier.currency_code, []).append(tier)
        for code, rows in by_currency.items():
            list_price = variant.price_in(code)
            reference = list_price if list_price is not None else 0
            variants.append(
                StoreVariantTiersOut(
                    variant_id=variant.id,
                    title=variant.title,
                    currency_code=code,
                    list_price=list_price,
                    tiers=[
                        StoreTierOut(
                            min_quantity=t.min_quantity,
                            max_quantity=t.max_quantity,
                            unit_price=t.unit_price,
                            saving_amount=reference - t.unit_price if list_price is not None else 0,
                            saving_percent=money.percent_saving(reference, t.unit_price),
                        )
                        for t in rows
                    ],
                )
            )
    return StoreVolumePricingOut(product_id=product.id, variants=variants)
