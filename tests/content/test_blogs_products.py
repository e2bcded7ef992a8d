"""Blog posts and safe rich text; product content and its events; the demo seed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.config import Settings
from api.content.richtext import RichText, render_html
from api.content.seed import seed_content, seed_product_content
from api.db import Database, Domain
from api.outbox.models import ContentOutboxEvent
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, upload

NASTY: dict[str, Any] = {
    "type": "root",
    "children": [
        {"type": "heading", "level": 2, "children": [{"type": "text", "text": "<script>alert(1)</script>"}]},
        {"type": "paragraph", "children": [
            {"type": "text", "text": "a \"quoted\" & <b>bold</b>", "bold": True, "italic": True},
            {"type": "link", "url": "/path?a=1&b=\"><script>",
             "children": [{"type": "text", "text": "<img onerror=x>"}]},
            {"type": "link", "url": "mailto:hi@example.com", "children": [{"type": "text", "text": "mail"}]},
        ]},
        {"type": "list", "ordered": True,
         "children": [{"type": "listItem", "children": [{"type": "text", "text": "1"}]}]},
        {"type": "quote", "children": [{"type": "text", "text": "q"}]},
    ],
}


def test_rich_text_renders_escaped_html() -> None:
    out = render_html(NASTY)
    assert "<script>" not in out and "<img" not in out and "javascript:" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<em><strong>a &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;</strong></em>" in out
    assert '<a href="/path?a=1&amp;b=&quot;&gt;&lt;script&gt;" rel="noopener noreferrer">' in out
    assert "<ol><li>1</li></ol>" in out and "<blockquote>q</blockquote>" in out


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,x", "vbscript:x", "//evil.com",
                                 "http:///nohost", "\\\\evil.com"])
def test_rich_text_rejects_unsafe_links(url: str) -> None:
    document = {"type": "root", "children": [{"type": "paragraph", "children": [
        {"type": "link", "url": url, "children": [{"type": "text", "text": "x"}]}]}]}
    with pytest.raises(ValueError, match=r"link|relative|host|valid"):
        RichText.model_validate(document)


def test_blog_posts(client: TestClient, tenant_a: TenantCtx, admin_headers: dict[str, str]) -> None:
    h = tenant_a.headers
    created = client.post("/api/blogs", json={"title": "Hi", "slug": "hi", "content": NASTY, "tags": ["News"],
                                              "author": "Ann"}, headers=h)
    assert created.status_code == 201, created.text
    assert created.json()["message"] == "Blog successfully created."
    post = created.json()["doc"]
    assert post["status"] == "draft" and post["publishedAt"] is None and post["tags"] == ["news"]
    assert client.get("/api/blogs", params={"tag": "news"}).json()["totalDocs"] == 0
    published = client.patch(f"/api/blogs/{post['id']}", json={"status": "published"}, headers=h).json()["doc"]
    assert published["publishedAt"] is not None
    assert client.get("/api/blogs", params={"tag": "news"}).json()["docs"][0]["id"] == post["id"]
    bad = {"title": "X", "slug": "x", "content": {"type": "root", "children": [{"type": "paragraph", "children": [
        {"type": "link", "url": "javascript:alert(1)", "children": [{"type": "text", "text": "x"}]}]}]}}
    assert_problem(client.post("/api/blogs", json=bad, headers=h), 422, "validation-failed")
    assert_problem(client.post("/api/blogs", json={"title": "X", "slug": "hi", "content": NASTY}, headers=h), 409,
                   "conflict")
    platform = client.post("/api/blogs", json={"title": "P", "slug": "hi", "content": NASTY, "status": "published"},
                           headers=admin_headers)
    assert platform.status_code == 201 and platform.json()["doc"]["tenant"] is None


def test_product_content(client: TestClient, database: Database, admin_headers: dict[str, str],
                         tenant_a: TenantCtx) -> None:
    seed_product_content(database, [{"id": "prod_1", "vendor_id": tenant_a.vendor_id, "title": "Drill",
                                     "handle": "drill", "status": "published"}])
    docs = client.get("/api/products", params={"where[productId][equals]": "prod_1"}).json()["docs"]
    assert docs[0]["tenant"] == tenant_a.id and docs[0]["syncStatus"] == "synced" and docs[0]["syncedAt"]
    image = upload(client, tenant_a.headers).json()["doc"]["id"]
    body = {"specifications": [{"name": "Power", "items": [{"key": "Watts", "value": "800"}]}], "images": [image],
            "seoTitle": "Drill 800W"}
    changed = client.patch(f"/api/products/{docs[0]['id']}", json=body, headers=tenant_a.headers)
    assert changed.status_code == 200, changed.text
    expanded = client.get(f"/api/products/{docs[0]['id']}", params={"depth": 1}).json()
    assert expanded["images"][0]["id"] == image and expanded["specifications"][0]["items"][0]["value"] == "800"
    # The sync's metadata is not writable through the API.
    assert_problem(client.patch(f"/api/products/{docs[0]['id']}", json={"title": "X"}, headers=tenant_a.headers), 422,
                   "validation-failed")
    created = client.post("/api/products", json={"productId": "prod_2"}, headers=admin_headers)
    assert created.status_code == 201
    assert_problem(client.post("/api/products", json={"productId": "prod_2"}, headers=admin_headers), 409, "conflict")
    with database.transaction(Domain.content) as session:
        count = session.scalar(select(func.count()).where(ContentOutboxEvent.topic == "product_content.updated"))
    assert count == 4  # sync insert, seed description, vendor edit, admin create


def test_seed_is_idempotent(client: TestClient, database: Database, settings: Settings) -> None:
    vendors: list[dict[str, Any]] = [{"id": "vend_seed1", "name": "Seed One", "slug": "seed-one"},
                                     {"id": "vend_seed2", "name": "Seed Two", "slug": "seed-two"}]
    seed_content(database, [], settings)
    seed_content(database, vendors, settings)
    counts = {c: client.get(f"/api/{c}").json()["totalDocs"] for c in ("tenants", "pages", "blogs", "navigation",
                                                                      "categories", "media")}
    seed_content(database, vendors, settings)
    assert {c: client.get(f"/api/{c}").json()["totalDocs"] for c in counts} == counts
    assert counts == {"tenants": 2, "pages": 5, "blogs": 4, "navigation": 6, "categories": 8, "media": 5}
    home = client.get("/api/pages", params={"where[slug][equals]": "home", "where[tenant][exists]": "false",
                                            "depth": 1}).json()["docs"][0]
    assert home["blocks"][0]["image"]["sizes"]["hero"]["width"] == 1600
    tenant = client.get("/api/tenants", params={"where[slug][equals]": "seed-one", "depth": 1}).json()["docs"][0]
    assert tenant["status"] == "active" and tenant["branding"]["logo"]["alt"]
    # The demo's first store speaks English and German: home page, menus and categories are translated.
    assert tenant["locales"] == ["en", "de"] and tenant["defaultLocale"] == "en"
    german = {"locale": "de", "where[tenant][equals]": tenant["id"]}
    home_de = client.get("/api/pages", params={**german, "where[slug][equals]": "home"}).json()["docs"][0]
    assert home_de["blocks"][0]["subheading"] == "Gute Ware, schnelle Lieferung."
    menus = client.get("/api/navigation", params={**german, "where[location][equals]": "main"}).json()["docs"]
    assert [item["label"] for item in menus[0]["items"]] == ["Produkte", "Über uns"]
    assert client.get("/api/categories", params={"locale": "de", "where[slug][equals]": "office"}).json()[
        "docs"][0]["name"] == "Büro"
    other = client.get("/api/tenants", params={"where[slug][equals]": "seed-two"}).json()["docs"][0]
    assert other["locales"] == ["en"]
