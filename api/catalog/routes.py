from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.cache import ReadCache, read_cache
from api.catalog import service
from api.catalog.models import Product, ProductStatus
from api.catalog.schemas import ProductIn, ProductOut, ProductSort, ProductUpdate, StoreProductOut
from api.db import Domain
from api.deps import CommerceSession, require
from api.errors import FieldError, ValidationFailed
from api.money import CurrencyCode
from api.pagination import Limit, Offset, Page
from api.regions.models import Region
from api.routing import Router

store = Router(prefix="/store/products", tags=["catalog"])
admin = Router(prefix="/admin/products", tags=["catalog"])

Reader = Annotated[Actor, Depends(require(Scope.store_read))]
AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]
ProductId = Annotated[str, Path(pattern=r"^prod_[a-z0-9]{1,35}$")]
MinorUnits = Annotated[int | None, Query(ge=0, le=1_000_000_000)]
Search = Annotated[str | None, Query(min_length=1, max_length=200)]
FilterId = Annotated[str | None, Query(max_length=40)]


def price_currency(session: Session, currency_code: str | None, region_id: str | None) -> str | None:
    """The currency prices are shown and filtered in: a region's, or the one asked for."""
    if region_id is None:
        return currency_code
    region_currency = session.scalar(select(Region.currency_code).where(Region.id == region_id))
    if region_currency is None:
        raise ValidationFailed("Unknown region.", errors=[FieldError(field="region_id", message="No such region.")])
    if currency_code is not None and currency_code != region_currency:
        raise ValidationFailed(f"The region's currency is {region_currency}, not {currency_code}.")
    return region_currency


STORE_PAGE = TypeAdapter(Page[StoreProductOut])
STORE_PRODUCT = TypeAdapter(StoreProductOut)
Cache = Annotated[ReadCache, Depends(read_cache)]


@store.get("", response_model=Page[StoreProductOut], summary="Browse the catalog")
def list_store_products(
    request: Request,
    cache: Cache,
    session: CommerceSession,
    _: Reader,
    q: Search = None,
    vendor_id: FilterId = None,
    category_id: FilterId = None,
    region_id: FilterId = None,
    currency_code: Annotated[CurrencyCode | None, Query()] = None,
    price_min: MinorUnits = None,
    price_max: MinorUnits = None,
    sort: ProductSort = "-created_at",
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    def build() -> bytes:
        currency = price_currency(session, currency_code, region_id)
        rows, total = service.search_products(
            session,
            service.store_visible(),
            q=q,
            vendor_id=vendor_id,
            category_id=category_id,
            currency=currency,
            price_min=price_min,
            price_max=price_max,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        items = [service.store_view(p, currency) for p in rows]
        page = Page[StoreProductOut](items=items, total=total, limit=limit, offset=offset)
        return STORE_PAGE.dump_json(page)

    return cache.answer(request, Domain.commerce, build)


@store.get("/{id_or_handle}", response_model=StoreProductOut, summary="A product by id or handle")
def get_store_product(
    request: Request,
    cache: Cache,
    id_or_handle: Annotated[str, Path(max_length=200)],
    session: CommerceSession,
    _: Reader,
    region_id: FilterId = None,
    currency_code: Annotated[CurrencyCode | None, Query()] = None,
) -> Response:
    def build() -> bytes:
        currency = price_currency(session, currency_code, region_id)
        return STORE_PRODUCT.dump_json(service.store_view(service.get_store_product(session, id_or_handle), currency))

    return cache.answer(request, Domain.commerce, build)


@admin.get("", response_model=Page[ProductOut], summary="List products, drafts included")
def list_products(
    session: CommerceSession,
    _: AdminReader,
    q: Search = None,
    vendor_id: FilterId = None,
    status: ProductStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProductOut]:
    rows, total = service.search_products(
        session, select(Product), q=q, vendor_id=vendor_id, status=status, limit=limit, offset=offset
    )
    return Page(items=[service.admin_view(p) for p in rows], total=total, limit=limit, offset=offset)


@admin.post("", response_model=ProductOut, status_code=201, summary="Create a product with options and variants")
def create_product(body: ProductIn, session: CommerceSession, actor: AdminWriter) -> ProductOut:
    product = service.create_product(session, body)
    audit.record(session, actor, "product.created", "product", product.id, {"handle": product.handle})
    return service.admin_view(product)


@admin.get("/{product_id}", response_model=ProductOut, summary="Get a product")
def get_product(product_id: ProductId, session: CommerceSession, _: AdminReader) -> ProductOut:
    return service.admin_view(service.get_product(session, product_id))


@admin.post("/{product_id}", response_model=ProductOut, summary="Update a product (nested lists replace)")
def update_product(
    product_id: ProductId, body: ProductUpdate, session: CommerceSession, actor: AdminWriter
) -> ProductOut:
    product = service.update_product(session, product_id, body)
    audit.record(
        session, actor, "product.updated", "product", product.id, {"fields": sorted(body.model_fields_set)}
    )
    return service.admin_view(product)


@admin.delete("/{product_id}", status_code=204, summary="Delete a product (orders keep their snapshot)")
def delete_product(product_id: ProductId, session: CommerceSession, actor: AdminWriter) -> Response:
    service.delete_product(session, product_id)
    audit.record(session, actor, "product.deleted", "product", product_id)
    return Response(status_code=204)
