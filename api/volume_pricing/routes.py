from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response
from sqlalchemy import select

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.cache import ReadCache, read_cache
from api.catalog import service as catalog
from api.catalog.models import ProductVariant
from api.catalog.routes import price_currency
from api.db import Domain
from api.deps import CommerceSession, require
from api.money import CurrencyCode
from api.pagination import Limit, Offset, Page
from api.routing import Router
from api.volume_pricing import service
from api.volume_pricing.schemas import StoreVolumePricingOut, TierIn, TierOut, TierUpdate

admin = Router(prefix="/admin/volume-pricing", tags=["volume pricing"])
store = Router(prefix="/store/products", tags=["volume pricing"])

AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]
TierId = Annotated[str, Path(pattern=r"^vtier_[a-z0-9]{1,34}$")]
VariantFilter = Annotated[str | None, Query(max_length=40)]


@store.get(
    "/{id_or_handle}/volume-pricing",
    response_model=StoreVolumePricingOut,
    summary="A product's volume tiers, with the saving per tier against the list price",
)
def store_volume_pricing(
    request: Request,
    cache: Annotated[ReadCache, Depends(read_cache)],
    id_or_handle: Annotated[str, Path(max_length=200)],
    session: CommerceSession,
    _: Annotated[Actor, Depends(require(Scope.store_read))],
    region_id: Annotated[str | None, Query(max_length=40)] = None,
    currency_code: Annotated[CurrencyCode | None, Query()] = None,
) -> Response:
    def build() -> bytes:
        product = catalog.get_store_product(session, id_or_handle)
        view = service.store_view(session, product, price_currency(session, currency_code, region_id))
        return view.model_dump_json().encode()

    return cache.answer(request, Domain.commerce, build)


@admin.get("", response_model=Page[TierOut], summary="List volume tiers")
def list_tiers(
    session: CommerceSession, _: AdminReader, variant_id: VariantFilter = None, limit: Limit = 50, offset: Offset = 0
) -> Page[TierOut]:
    rows, total = service.list_tiers(session, service.all_tiers(), variant_id=variant_id, limit=limit, offset=offset)
    return Page(items=[TierOut.model_validate(t) for t in rows], total=total, limit=limit, offset=offset)


@admin.post("", response_model=TierOut, status_code=201, summary="Add a tier (overlaps answer 409)")
def create_tier(body: TierIn, session: CommerceSession, actor: AdminWriter) -> TierOut:
    tier = service.create_tier(session, body, select(ProductVariant))
    audit.record(session, actor, "volume_tier.created", "volume_tier", tier.id, body.model_dump(mode="json"))
    return TierOut.model_validate(tier)


@admin.get("/{tier_id}", response_model=TierOut, summary="Get a tier")
def get_tier(tier_id: TierId, session: CommerceSession, _: AdminReader) -> TierOut:
    return TierOut.model_validate(service.get_tier(session, service.all_tiers(), tier_id))


@admin.patch("/{tier_id}", response_model=TierOut, summary="Change a tier")
def update_tier(tier_id: TierId, body: TierUpdate, session: CommerceSession, actor: AdminWriter) -> TierOut:
    tier = service.update_tier(session, service.get_tier(session, service.all_tiers(), tier_id), body)
    audit.record(session, actor, "volume_tier.updated", "volume_tier", tier.id,
                 body.model_dump(mode="json", exclude_unset=True))
    return TierOut.model_validate(tier)


@admin.delete("/{tier_id}", status_code=204, summary="Delete a tier")
def delete_tier(tier_id: TierId, session: CommerceSession, actor: AdminWriter) -> Response:
    service.delete_tier(session, service.get_tier(session, service.all_tiers(), tier_id))
    audit.record(session, actor, "volume_tier.deleted", "volume_tier", tier_id)
    return Response(status_code=204)
