"""The isolation matrix (issue 15, finding 10), generated from the OpenAPI document: every operation with a
path id x every principal kind x another tenant's ids answers 401, 403 or 404, and no write lands. New routes
join by themselves (the operations come from `app.openapi()`); a new kind of path id must be given an object
of tenant B below, or listed in `NO_OBJECT` with a reason.

Platform principals (admin, finance, secret keys) acting within their scopes are not tenant-bound and are
skipped; outside their scopes they must be refused like anyone else."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.auth.scopes import Scope
from api.db import Database, Domain
from tests.b2b.conftest import Market, company, employee
from tests.content.conftest import TenantCtx, upload
from tests.security.conftest import Principal

REFUSED = {401, 403, 404}
PLATFORM_SCOPES = {Scope.admin_read, Scope.admin_write, Scope.finance_read, Scope.finance_write}

# Public reads: what any shopper may see of tenant B (published, of an active tenant). (method, path) -> reason.
PUBLIC = {
    ("GET", "/store/products/{id_or_handle}"): "a published product of an approved vendor is public",
    ("GET", "/store/products/{id_or_handle}/volume-pricing"): "volume prices of a public product are public",
    ("GET", "/api/tenants/{doc_id}"): "an active tenant's profile is its public storefront",
    ("GET", "/api/media/{doc_id}"): "media of an active tenant is public (served on its storefront)",
    ("GET", "/media/{media_id}/{size}"): "the image files of public media",
    ("GET", "/api/navigation/{doc_id}"): "an active tenant's menus are shown on its storefront",
    ("GET", "/api/categories/{doc_id}"): "categories are platform-wide, not a tenant's",
}
# Path ids for which tenant B has no object in this world: a made-up id is sent (the route must still refuse).
NO_OBJECT = {
    "delivery_id": "webhook deliveries are platform objects, reached only with admin scopes",
    "run_id": "commission runs exist only after a Dagster run (platform objects, finance scopes)",
    "batch_id": "payout batches exist only after a Dagster run (platform objects, finance scopes)",
    "version_id": "a page version is reached through its page, which is tenant B's below",
    "subscription_id": "webhook subscriptions are platform objects, reached only with admin scopes",
    "rule_id": "commission rules are set by admins (platform objects)",
    "mail_id": "the local mailbox is read only by admins (platform objects); its mails carry no tenant",
}


@dataclass
class World:
    ids: dict[str, str]
    principals: list[Principal]


def _required_scopes(app: FastAPI) -> dict[tuple[str, str], set[Scope]]:
    """The scopes each operation's `require(...)` dependency asks for (read from the dependency's name)."""
    names = {scope.name: scope for scope in Scope}

    def walk(dependant: Any) -> Iterator[Scope]:
        for sub in dependant.dependencies:
            name = getattr(sub.call, "__name__", "")
            if name.startswith("require_"):
                rest = name.removeprefix("require_")
                yield from (names[n] for n in names if n in rest)
            yield from walk(sub)

    found: dict[tuple[str, str], set[Scope]] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in context.methods or ():
                found[(method, str(context.path_format))] = set(walk(context.original_route.dependant))
    return found


def _within_platform_scopes(principal: Principal, path: str, needs: set[Scope]) -> bool:
    """A platform principal holding what the route needs acts across tenants by design. The content API
    checks in the service that the caller is a platform admin (admin:write)."""
    if principal.tenant_bound:
        return False
    if path.startswith(("/api/", "/media/")):
        return Scope.admin_write in principal.scopes
    return bool(needs & PLATFORM_SCOPES) and needs <= principal.scopes


def _checksum(database: Database) -> dict[str, str]:
    """A digest of every row of both stores (bookkeeping tables aside): what 'no write lands' compares."""
    sums: dict[str, str] = {}
    for domain in Domain:
        with database.transaction(domain) as session:
            tables: list[str] = list(session.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename NOT IN "
                     "('alembic_version', 'auth_tokens', 'idempotency_keys', 'api_keys')"),
                {"s": domain.value},
            ).scalars())
            for table in tables:
                sums[f"{domain.value}.{table}"] = session.execute(
                    text(f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') "
                         f"FROM {domain.value}.{table} t")
                ).scalar_one()
    return sums


@pytest.fixture
def world(market: Market, make_tenant: Callable[..., TenantCtx], admin_headers: dict[str, str],
          principals_of_tenant_a: list[Principal]) -> World:
    client, shop = market.client, market.shop
    # Tenant B: a vendor with a product, an order, a quote, a price tier, a payout; a customer with a cart; a
    # company with an employee and an approval request; a content tenant with drafts, media and a menu.
    vendor_b, b_headers, variant_b = market.seller(price=50_000)
    product_b = market.ok(client.get("/vendor/products", headers=b_headers))["items"][0]["id"]
    customer_b = market.customer_headers()
    order = market.buy([(variant_b, 1)], headers=customer_b)
    market.settle(order["id"])
    payout = market.ok(client.post("/vendor/payouts/request", json={"amount": 5000}, headers=b_headers), 201)
    tier = market.ok(client.post("/vendor/volume-pricing", json={"variant_id": variant_b, "currency_code": "EUR",
                                                                 "min_quantity": 10, "unit_price": 40_000},
                                 headers=b_headers), 201)
    quote = market.ok(client.post("/store/quotes", json={"region_id": shop.regions["EUR"]["id"],
                                                         "items": [{"variant_id": variant_b, "quantity": 3}]},
                                  headers=customer_b), 201)
    cart = shop.ready_cart([(variant_b, 1)], headers=customer_b)
    company_b, b_admin = company(market, credit_limit=0)
    b_buyer, b_buyer_headers = employee(market, b_admin, "buyer")
    approval = market.ok(client.post(
        f"/store/carts/{shop.ready_cart([(variant_b, 1)], headers=b_buyer_headers)['id']}/complete",
        headers=b_buyer_headers), 202)
    tenant_b = make_tenant("tenant-b")
    content: dict[str, str] = {"tenants": tenant_b.id}
    for collection, body in (
        ("pages", {"title": "Draft", "slug": "draft-b"}),
        ("blogs", {"title": "Draft", "slug": "draft-b", "content": {"type": "root", "children": []}}),
        ("navigation", {"location": "main", "items": []}),
    ):
        made = client.post(f"/api/{collection}", json=body, headers=tenant_b.headers)
        assert made.status_code == 201, made.text
        content[collection] = made.json()["doc"]["id"]
    media = upload(client, tenant_b.headers)
    assert media.status_code == 201, media.text
    content["media"] = media.json()["doc"]["id"]
    key = market.ok(client.post("/admin/api-keys", json={"name": "b", "kind": "publishable"}, headers=admin_headers),
                    201)
    ids = {
        "key_id": key["id"], "id_or_handle": product_b, "product_id": product_b,
        "region_id": shop.regions["EUR"]["id"], "cart_id": cart["id"], "cart_line_id": cart["items"][0]["id"],
        "order_id": order["id"], "vendor_order_id": order["vendor_orders"][0]["id"], "vendor_id": vendor_b["id"],
        "quote_id": quote["id"], "tier_id": tier["id"], "user_id": b_buyer["user_id"], "approval_id": approval["id"],
        "company_id": company_b["id"], "payout_id": payout["id"], "variant_id": variant_b,
        "commission_line_id": market.lines()[0]["id"], "page_id": content["pages"], "media_id": content["media"],
        "size": "thumbnail", **{f"doc:{name}": value for name, value in content.items()},
        # Ids inside bodies name tenant B's objects too.
        "item_id": quote["items"][0]["id"],
        "option_id": market.ok(client.get("/store/shipping-options", params={"cart_id": cart["id"]},
                                          headers=customer_b))[0]["id"],
    }

    return World(ids, principals_of_tenant_a)


def _path_value(path: str, name: str, ids: dict[str, str]) -> str | None:
    if name == "doc_id":
        return ids.get(f"doc:{path.split('/')[2]}", "doc_missing")
    if name == "line_id":
        return ids["commission_line_id"] if "/commissions/" in path else ids["cart_line_id"]
    if name in NO_OBJECT:
        return f"{name.removesuffix('_id')}_missing"
    return ids.get(name)


def _minimal_body(operation: dict[str, Any], components: dict[str, Any], ids: dict[str, str]) -> Any:
    """The smallest JSON body the document allows (required fields only, ids naming tenant B's objects), so
    the request is not refused for its shape before the object is looked up."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return None if schema is None else _example(schema, components, ids)


def _example(schema: dict[str, Any], components: dict[str, Any], ids: dict[str, str], name: str = "") -> Any:
    if name in ids:
        return ids[name]
    if "$ref" in schema:
        return _example(components["schemas"][schema["$ref"].rsplit("/", 1)[1]], components, ids, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components, ids, name) if options else None
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _example(properties[key], components, ids, key) for key in schema.get("required", [])
                if key in properties}
    if kind == "array":
        return [_example(schema.get("items", {}), components, ids) for _ in range(max(schema.get("minItems", 0), 1))]
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return False
    if kind == "string":
        formats = {"date-time": "2100-01-01T00:00:00Z", "date": "2100-01-01", "email": "x@example.com",
                   "uri": "https://example.com/"}
        if schema.get("format") in formats:
            return formats[schema["format"]]
        if schema.get("pattern", "").startswith("^[A-Z]{3}"):
            return "EUR"
        return "x" * max(schema.get("minLength", 1), 1)
    return None


def test_another_tenants_objects_are_refused_to_every_principal(
    world: World, app: FastAPI, client: TestClient, owner_database: Database
) -> None:
    document = app.openapi()
    required = _required_scopes(app)
    unknown: set[str] = set()
    leaks: list[str] = []
    refused_for_shape: list[str] = []
    checked = itertools.count()
    for path, operations in document["paths"].items():
        names = [p["name"] for op in operations.values() for p in op.get("parameters", []) if p["in"] == "path"]
        if not names:
            continue
        values = {name: _path_value(path, name, world.ids) for name in dict.fromkeys(names)}
        unknown |= {name for name, value in values.items() if value is None}
        url = path.format(**{name: value or "missing" for name, value in values.items()})
        before = _checksum(owner_database)
        for method, operation in operations.items():
            method = method.upper()
            body = _minimal_body(operation, document.get("components", {}), world.ids)
            needs = required.get((method, path), set())
            for principal in world.principals:
                if _within_platform_scopes(principal, path, needs):
                    continue
                response = client.request(method, url, json=body, headers=principal.headers)
                next(checked)
                status = response.status_code
                if status == 422:  # refused for the request's shape, before any object was looked up
                    refused_for_shape.append(f"{principal.name}: {method} {path}")
                elif status not in REFUSED and not ((method, path) in PUBLIC and status == 200):
                    leaks.append(f"{principal.name}: {method} {url} -> {status} {response.text[:150]}")
        if _checksum(owner_database) != before:
            leaks.append(f"{path}: a request by a principal of another tenant changed the data")
    print(f"{len(refused_for_shape)} requests refused for their shape (422):", *refused_for_shape, sep="\n  ")
    assert not unknown, f"path ids with no object of tenant B in this test (add one, or to NO_OBJECT): {unknown}"
    assert not leaks, "\n".join(leaks)
    total = next(checked)
    assert total > 500  # the matrix really ran
    assert len(refused_for_shape) < total / 20, "too many cells never reached the object: improve _example"
