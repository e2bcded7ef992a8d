"""Catalog rules: products, options, variants, prices, images and category links; what the store may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from api.catalog.models import (
    PRODUCT_STATUS,
    Product,
    ProductCategory,
    ProductImage,
    ProductOption,
    ProductStatus,
    ProductVariant,
    VariantPrice,
)
from api.catalog.schemas import (
    InventoryOut,
    OptionIn,
    OptionOut,
    PriceOut,
    ProductIn,
    ProductOut,
    ProductSort,
    ProductUpdate,
    StoreProductOut,
    StoreVariantOut,
    VariantIn,
    VariantOut,
)
from api.clock import utcnow
from api.errors import FieldError, NotFound, ValidationFailed
from api.inventory import service as inventory
from api.inventory.models import InventoryLevel
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent
from api.search import LIKE_ESCAPE, contains_pattern
from api.vendors.models import Vendor, VendorStatus
from api.vendors.schemas import VendorSummary
from api.vendors.service import flush_unique

# ---- views ---------------------------------------------------------------------------------------------


def _options(product: Product) -> list[OptionOut]:
    return [OptionOut(id=o.id, title=o.title, values=list(o.values)) for o in product.options]


def _prices(variant: ProductVariant) -> list[PriceOut]:
    return [PriceOut(currency_code=p.currency_code, amount=p.amount) for p in variant.prices]


def _inventory(variant: ProductVariant) -> InventoryOut:
    level = variant.inventory
    stocked, reserved = (level.stocked_quantity, level.reserved_quantity) if level else (0, 0)
    return InventoryOut(stocked_quantity=stocked, reserved_quantity=reserved, available_quantity=stocked - reserved)


def admin_view(product: Product) -> ProductOut:
    return ProductOut(
        id=product.id,
        vendor_id=product.vendor_id,
        vendor=VendorSummary.model_validate(product.vendor),
        title=product.title,
        handle=product.handle,
        description=product.description,
        thumbnail=product.thumbnail,
        status=ProductStatus(product.status),
        options=_options(product),
        variants=[
            VariantOut(
                id=v.id, title=v.title, sku=v.sku, options=v.options, prices=_prices(v), inventory=_inventory(v)
            )
            for v in product.variants
        ],
        images=[i.url for i in product.images],
        category_ids=sorted(c.category_id for c in product.categories),
        version=product.version,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def store_view(product: Product, currency: str | None) -> StoreProductOut:
    variants = []
    for v in product.variants:
        amount = v.price_in(currency) if currency else None
        variants.append(
            StoreVariantOut(
                id=v.id,
                title=v.title,
                sku=v.sku,
                options=v.options,
                prices=_prices(v),
                calculated_price=PriceOut(currency_code=currency, amount=amount)
                if currency and amount is not None
                else None,
                available_quantity=_inventory(v).available_quantity,
            )
        )
    return StoreProductOut(
        id=product.id,
        title=product.title,
        handle=product.handle,
        description=product.description,
        thumbnail=product.thumbnail,
        vendor=VendorSummary.model_validate(product.vendor),
        options=_options(product),
        variants=variants,
        images=[i.url for i in product.images],
        category_ids=sorted(c.category_id for c in product.categories),
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


# ---- reading -------------------------------------------------------------------------------------------


def with_details() -> tuple[Any, ...]:
    """Everything a product view shows, in one query per relationship for a whole page of products."""
    return (
        selectinload(Product.options),
        selectinload(Product.images),
        selectinload(Product.categories),
        selectinload(Product.variants).selectinload(ProductVariant.prices),
    )


def store_visible() -> Select[Product]:
    """The one definition of what a storefront may see: published products of approved vendors."""
    return (
        select(Product)
        .join(Vendor, Vendor.id == Product.vendor_id)
        .where(Product.status == ProductStatus.published, Vendor.status == VendorStatus.approved)
    )


def _min_price(currency: str) -> Any:
    return (
        select(func.min(VariantPrice.amount))
        .join(ProductVariant, ProductVariant.id == VariantPrice.variant_id)
        .where(ProductVariant.product_id == Product.id, VariantPrice.currency_code == currency)
        .correlate(Product)
        .scalar_subquery()
    )


def search_products(
    session: Session,
    statement: Select[Product],
    *,
    q: str | None = None,
    vendor_id: str | None = None,
    category_id: str | Sequence[str] | None = None,
    status: ProductStatus | None = None,
    currency: str | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    sort: ProductSort = "-created_at",
    limit: int,
    offset: int,
) -> tuple[list[Product], int]:
    """Filter, count and page `statement` (the store's or the admin's readable products)."""
    if (price_min is not None or price_max is not None or sort in ("price", "-price")) and currency is None:
        raise ValidationFailed("Filtering or sorting by price needs a currency_code or a region_id.")
    if q:
        pattern = contains_pattern(q)
        statement = statement.where(
            Product.title.ilike(pattern, escape=LIKE_ESCAPE) | Product.handle.ilike(pattern, escape=LIKE_ESCAPE)
        )
    if vendor_id:
        statement = statement.where(Product.vendor_id == vendor_id)
    if status:
        statement = statement.where(Product.status == status)
    if category_id:  # one category, or any of several (a category and those under it)
        ids = [category_id] if isinstance(category_id, str) else list(category_id)
        statement = statement.where(
            exists().where(ProductCategory.product_id == Product.id, ProductCategory.category_id.in_(ids))
        )
    if price_min is not None or price_max is not None:
        in_range = (
            select(VariantPrice.id)
            .join(ProductVariant, ProductVariant.id == VariantPrice.variant_id)
            .where(ProductVariant.product_id == Product.id, VariantPrice.currency_code == currency)
        )
        if price_min is not None:
            in_range = in_range.where(VariantPrice.amount >= price_min)
        if price_max is not None:
            in_range = in_range.where(VariantPrice.amount <= price_max)
        statement = statement.where(in_range.exists())
    total = session.scalar(select(func.count()).select_from(statement.with_only_columns(Product.id).subquery())) or 0
    order_by: list[Any]
    if sort in ("price", "-price"):
        assert currency is not None
        price = _min_price(currency)
        order_by = [price.asc().nulls_last() if sort == "price" else price.desc().nulls_last()]
    elif sort in ("title", "-title"):
        order_by = [Product.title.asc() if sort == "title" else Product.title.desc()]
    else:
        order_by = [Product.created_at.asc() if sort == "created_at" else Product.created_at.desc()]
    rows = session.scalars(
        statement.options(*with_details()).order_by(*order_by, Product.id).limit(limit).offset(offset)
    )
    return list(rows.unique()), total


def store_products_by_ids(session: Session, product_ids: Sequence[str]) -> list[Product]:
    """The store-visible products among `product_ids`, in the order given (for hand-picked product grids)."""
    if not product_ids:
        return []
    rows = session.scalars(store_visible().where(Product.id.in_(product_ids)).options(*with_details())).unique()
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in dict.fromkeys(product_ids) if i in by_id]


def product_counts(session: Session, vendor_ids: Sequence[str]) -> dict[str, int]:
    """How many products (any status) each of these vendors has."""
    if not vendor_ids:
        return {}
    rows = session.execute(
        select(Product.vendor_id, func.count())
        .where(Product.vendor_id.in_(set(vendor_ids)))
        .group_by(Product.vendor_id)
    ).tuples()
    return {vendor_id: int(count) for vendor_id, count in rows}


def get_store_product(session: Session, id_or_handle: str) -> Product:
    column = Product.id if id_or_handle.startswith("prod_") else Product.handle
    product = session.scalar(store_visible().where(column == id_or_handle).options(*with_details()))
    if product is None:
        raise NotFound("No such product.")
    return product


def get_product(session: Session, product_id: str, *, for_update: bool = False) -> Product:
    statement = select(Product).where(Product.id == product_id).options(*with_details())
    if for_update:
        statement = statement.with_for_update(of=Product)
    product = session.scalar(statement)
    if product is None:
        raise NotFound("No such product.")
    return product


def get_variants(session: Session, variant_ids: Sequence[str]) -> dict[str, ProductVariant]:
    rows = session.scalars(select(ProductVariant).where(ProductVariant.id.in_(variant_ids)))
    return {v.id: v for v in rows}


def is_store_visible(product: Product) -> bool:
    return sold_in_store(product.status, product.vendor.status)


def sold_in_store(product_status: str, vendor_status: str) -> bool:
    """Whether the store sells a product of this status from a vendor of this status."""
    return product_status == ProductStatus.published and vendor_status == VendorStatus.approved


# ---- writing -------------------------------------------------------------------------------------------


def _check_variants(options: Sequence[OptionIn], variants: Sequence[VariantIn]) -> None:
    errors: list[FieldError] = []
    allowed = {o.title: set(o.values) for o in options}
    if len(allowed) != len(options):
        errors.append(FieldError(field="options", message="Option titles must be unique."))
    seen_combinations: set[tuple[tuple[str, str], ...]] = set()
    seen_skus: set[str] = set()
    for i, variant in enumerate(variants):
        where = f"variants.{i}"
        if set(variant.options) != set(allowed):
            errors.append(FieldError(field=f"{where}.options", message=f"Give a value for each of {sorted(allowed)}."))
        bad = {k: v for k, v in variant.options.items() if k in allowed and v not in allowed[k]}
        if bad:
            errors.append(FieldError(field=f"{where}.options", message=f"Values not among the option's: {bad}."))
        combination = tuple(sorted(variant.options.items()))
        if allowed and combination in seen_combinations:
            errors.append(FieldError(field=f"{where}.options", message="Two variants have the same option values."))
        seen_combinations.add(combination)
        if variant.sku in seen_skus:
            errors.append(FieldError(field=f"{where}.sku", message="SKUs must be unique."))
        seen_skus.add(variant.sku)
        currencies = [p.currency_code for p in variant.prices]
        if len(set(currencies)) != len(currencies):
            errors.append(FieldError(field=f"{where}.prices", message="One price per currency."))
    if errors:
        raise ValidationFailed("The product's options and variants do not fit together.", errors=errors)


def _apply_variant(variant: ProductVariant, body: VariantIn, position: int) -> None:
    variant.title = body.title
    variant.sku = body.sku
    variant.options = dict(body.options)
    variant.position = position
    current = {p.currency_code: p for p in variant.prices}
    wanted = {p.currency_code: p.amount for p in body.prices}
    variant.prices = [
        current.get(code) or VariantPrice(currency_code=code, amount=amount) for code, amount in wanted.items()
    ]
    for price in variant.prices:
        price.amount = wanted[price.currency_code]


def _emit(session: Session, topic: str, product: Product) -> None:
    session.flush()
    session.refresh(product, ["created_at", "updated_at"])
    outbox.record(
        session, CommerceOutboxEvent, topic, "product", product.id, admin_view(product).model_dump(mode="json")
    )


def create_product(session: Session, body: ProductIn, *, categories_approved: bool = True) -> Product:
    """A new product. `categories_approved`: whether its category assignments count for commission (an admin's
    do; a vendor's own tags wait for an admin's approval)."""
    vendor = session.get(Vendor, body.vendor_id)
    if vendor is None:
        raise ValidationFailed("Unknown vendor.", errors=[FieldError(field="vendor_id", message="No such vendor.")])
    _check_variants(body.options, body.variants)
    product = Product(
        vendor_id=vendor.id,
        title=body.title,
        handle=body.handle,
        description=body.description,
        thumbnail=body.thumbnail,
        status=body.status,
        version=1,
        options=[ProductOption(title=o.title, values=o.values, position=i) for i, o in enumerate(body.options)],
        images=[ProductImage(url=url, position=i) for i, url in enumerate(body.images)],
        categories=[ProductCategory(category_id=c, approved=categories_approved)
                    for c in dict.fromkeys(body.category_ids)],
    )
    for i, variant_in in enumerate(body.variants):
        if variant_in.id is not None:
            raise ValidationFailed(
                "New variants have no id.", errors=[FieldError(field=f"variants.{i}.id", message="leave it out")]
            )
        variant = ProductVariant(prices=[])
        _apply_variant(variant, variant_in, i)
        variant.inventory = InventoryLevel(stocked_quantity=variant_in.stocked_quantity or 0, reserved_quantity=0)
        product.variants.append(variant)
    session.add(product)
    flush_unique(session, "The handle or a SKU is already taken.")
    _emit(session, "product.created", product)
    return product


def update_product(
    session: Session, product_id: str, body: ProductUpdate, *, categories_approved: bool = True
) -> Product:
    """Change a product; category assignments it adds count for commission only when `categories_approved`
    (an admin's change, which also approves the ones it keeps)."""
    product = get_product(session, product_id, for_update=True)
    changes = body.model_dump(exclude_unset=True)
    for field in ("title", "handle", "description", "thumbnail"):
        if field in changes and (changes[field] is not None or field in ("description", "thumbnail")):
            setattr(product, field, changes[field])
    if body.status is not None and body.status != product.status:
        product.status = PRODUCT_STATUS.transition(product.status, body.status)
    if body.images is not None:
        product.images = [ProductImage(url=url, position=i) for i, url in enumerate(body.images)]
    if body.category_ids is not None:
        current = {c.category_id: c for c in product.categories}
        product.categories = [
            current.get(c) or ProductCategory(category_id=c, approved=categories_approved)
            for c in dict.fromkeys(body.category_ids)
        ]
        for assignment in product.categories:
            assignment.approved = assignment.approved or categories_approved
    options_in = body.options
    if options_in is not None:
        current_options = {o.title: o for o in product.options}
        product.options = [current_options.get(o.title) or ProductOption(title=o.title) for o in options_in]
        for i, (option, option_in) in enumerate(zip(product.options, options_in, strict=True)):
            option.values, option.position = option_in.values, i
    else:
        options_in = [OptionIn(title=o.title, values=o.values) for o in product.options]
    stock_changes: list[tuple[str, int]] = []
    if body.variants is not None:
        _check_variants(options_in, body.variants)
        existing = {v.id: v for v in product.variants}
        kept: list[ProductVariant] = []
        for i, variant_in in enumerate(body.variants):
            if variant_in.id is None:
                variant = ProductVariant(prices=[])
                variant.inventory = InventoryLevel(
                    stocked_quantity=variant_in.stocked_quantity or 0, reserved_quantity=0
                )
            elif variant_in.id in existing:
                variant = existing[variant_in.id]
                if variant_in.stocked_quantity is not None:
                    stock_changes.append((variant.id, variant_in.stocked_quantity))
            else:
                raise ValidationFailed(
                    "A variant id does not belong to this product.",
                    errors=[FieldError(field=f"variants.{i}.id", message="Not a variant of this product.")],
                )
            _apply_variant(variant, variant_in, i)
            kept.append(variant)
        product.variants = kept  # the variants left out are deleted (delete-orphan)
    elif body.options is not None:
        _check_variants(
            options_in,
            [VariantIn(title=v.title, sku=v.sku, options=v.options) for v in product.variants],
        )
    product.version += 1
    flush_unique(session, "The handle or a SKU is already taken.")
    for variant_id, stocked in stock_changes:
        inventory.set_stocked(session, variant_id, stocked)
    _emit(session, "product.updated", product)
    return product


def delete_product(session: Session, product_id: str) -> None:
    product = get_product(session, product_id, for_update=True)
    payload = {
        "id": product.id,
        "vendor_id": product.vendor_id,
        "handle": product.handle,
        "version": product.version + 1,
        "deleted_at": utcnow().isoformat(),
    }
    session.delete(product)
    session.flush()
    outbox.record(session, CommerceOutboxEvent, "product.deleted", "product", product_id, payload)

