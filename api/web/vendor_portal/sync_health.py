"""Sync health of the vendor's records: for each product and recent order, whether the content side has it,
when it was synced and any error (the content store's sync columns, read for the vendor's own ids)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.catalog import service as catalog
from api.deps import CommerceSession
from api.sync import service as sync
from api.vendor_portal import scope
from api.vendor_portal import service as portal
from api.web.stores import PageContentSession
from api.web.vendor_portal.common import ROOT, VendorUser, page, router, vendor_of

LIMIT = 100


@router.get(f"{ROOT}/sync")
def sync_health(request: Request, actor: VendorUser, session: CommerceSession, content: PageContentSession) -> Response:
    vendor = vendor_of(session, actor)
    products, product_total = catalog.search_products(session, scope.readable_products(actor), sort="-created_at",
                                                      limit=LIMIT, offset=0)
    orders, order_total = portal.list_orders(session, actor, limit=LIMIT, offset=0)
    product_sync, order_sync = sync.records_sync(content, [p.id for p in products], [o.id for _, o in orders])
    return page(request, "sync.html", vendor, "sync", {
        "products": [(p, product_sync.get(p.id)) for p in products], "product_total": product_total,
        "orders": [(vo, o, order_sync.get(o.id)) for vo, o in orders], "order_total": order_total,
        "missing": sum(1 for p in products if p.id not in product_sync)
        + sum(1 for _, o in orders if o.id not in order_sync),
    })
