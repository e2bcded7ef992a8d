"""Content fixtures: two branded, active tenants (A and B) with a vendor user each, and image bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.auth.models import Role


@dataclass
class TenantCtx:
    id: str
    vendor_id: str
    headers: dict[str, str]


def image_bytes(width: int = 1200, height: int = 900, fmt: str = "PNG", color: str = "#336699") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(
    client: TestClient,
    headers: dict[str, str],
    data: bytes | None = None,
    filename: str = "photo.png",
    alt: str | None = "A photo",
    tenant: str | None = None,
) -> Any:
    form = {k: v for k, v in {"alt": alt, "tenant": tenant}.items() if v is not None}
    return client.post(
        "/api/media",
        files={"file": (filename, data if data is not None else image_bytes(), "image/png")},
        data=form,
        headers=headers,
    )


def blocks(image: str | None = None) -> list[dict[str, Any]]:
    hero: dict[str, Any] = {"blockType": "hero", "heading": "Welcome", "cta": {"label": "Shop", "url": "/shop"}}
    if image:
        hero["image"] = image
    return [
        hero,
        {"blockType": "richText", "content": {"type": "root", "children": [
            {"type": "paragraph", "children": [{"type": "text", "text": "Hello", "bold": True}]}]}},
        {"blockType": "productGrid", "productIds": ["prod_1", "prod_2"], "columns": 2},
        {"blockType": "callToAction", "text": "Buy", "url": "https://example.com/buy", "style": "secondary"},
        {"blockType": "faq", "items": [{"question": "Why?", "answer": "Because."}]},
    ]


@pytest.fixture
def make_tenant(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., dict[str, Any]],
    login: Callable[..., dict[str, str]],
) -> Callable[..., TenantCtx]:
    def make(slug: str, *, status: str = "active") -> TenantCtx:
        # The commerce vendor the tenant and its vendor user belong to (users.vendor_id references it).
        vendor = client.post(
            "/admin/vendors",
            json={"name": slug.title(), "slug": slug, "email": f"{slug}@example.com", "commission_rate": "0.1",
                  "default_currency": "EUR"},
            headers=admin_headers,
        )
        assert vendor.status_code == 201, vendor.text
        vendor_id = vendor.json()["id"]
        created = client.post(
            "/api/tenants",
            json={"name": slug.title(), "slug": slug, "vendorId": vendor_id,
                  "branding": {"primaryColor": "#112233", "headingFont": "Inter"}},
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        tenant_id = created.json()["doc"]["id"]
        if status != "draft":
            response = client.patch(f"/api/tenants/{tenant_id}", json={"status": status}, headers=admin_headers)
            assert response.status_code == 200, response.text
        headers = login(make_user(Role.vendor, vendor_id=vendor_id))
        return TenantCtx(tenant_id, vendor_id, headers)

    return make


@pytest.fixture
def tenant_a(make_tenant: Callable[..., TenantCtx]) -> TenantCtx:
    return make_tenant("acme")


@pytest.fixture
def tenant_b(make_tenant: Callable[..., TenantCtx]) -> TenantCtx:
    return make_tenant("globex")
