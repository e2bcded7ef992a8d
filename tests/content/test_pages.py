"""Pages: block validation, drafts, publish, versions and restore; and that drafts never reach the public."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db import Database, Domain
from api.outbox.models import ContentOutboxEvent
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, blocks, upload


def _create(client: TestClient, headers: dict[str, str], slug: str = "about", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/pages", json={"title": "About", "slug": slug, "blocks": blocks(), **extra},
                           headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["doc"]


def test_draft_publish_versions_restore(client: TestClient, database: Database, tenant_a: TenantCtx) -> None:
    h = tenant_a.headers
    page = _create(client, h)
    assert page["status"] == "draft" and page["tenant"] == tenant_a.id and page["hasUnpublishedChanges"]
    published = client.post(f"/api/pages/{page['id']}/publish", headers=h).json()
    assert published["status"] == "published" and published["publishedAt"]
    assert published["hasUnpublishedChanges"] is False

    # An edit goes to the draft: the public still sees the published title.
    edited = client.patch(f"/api/pages/{page['id']}", json={"title": "About us (new)"}, headers=h).json()["doc"]
    assert edited["title"] == "About" and edited["draft"]["title"] == "About us (new)"
    assert edited["hasUnpublishedChanges"] is True
    public = client.get(f"/api/pages/{page['id']}").json()
    assert public["title"] == "About" and "draft" not in public
    assert client.get("/api/pages", params={"where[title][like]": "new"}).json()["totalDocs"] == 0

    client.post(f"/api/pages/{page['id']}/publish", headers=h)
    assert client.get(f"/api/pages/{page['id']}").json()["title"] == "About us (new)"

    versions = client.get(f"/api/pages/{page['id']}/versions", headers=h).json()["docs"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["content"]["title"] == "About"

    # Restore puts version 1 into the draft; the live page changes only on publish.
    restored = client.post(f"/api/pages/{page['id']}/versions/{versions[1]['id']}/restore", headers=h).json()
    assert restored["draft"]["title"] == "About" and restored["title"] == "About us (new)"
    assert client.get(f"/api/pages/{page['id']}").json()["title"] == "About us (new)"
    client.post(f"/api/pages/{page['id']}/publish", headers=h)
    assert client.get(f"/api/pages/{page['id']}").json()["title"] == "About"
    assert len(client.get(f"/api/pages/{page['id']}/versions", headers=h).json()["docs"]) == 3
    assert_problem(client.post(f"/api/pages/{page['id']}/versions/pver_nope/restore", headers=h), 404, "not-found")
    # Versions are for editors only.
    assert_problem(client.get(f"/api/pages/{page['id']}/versions"), 401, "unauthorized")

    with database.transaction(Domain.content) as session:
        topics = list(session.scalars(select(ContentOutboxEvent.topic).where(
            ContentOutboxEvent.entity_id == page["id"])))
    assert topics == ["page.published"] * 3


def test_unpublished_content_never_leaks(client: TestClient, tenant_a: TenantCtx, publishable_key: str) -> None:
    h = tenant_a.headers
    image = upload(client, h).json()["doc"]["id"]
    draft = _create(client, h, slug="secret", title="Secret launch", blocks=blocks(image))
    live = _create(client, h, slug="live")
    client.post(f"/api/pages/{live['id']}/publish", headers=h)
    client.patch(f"/api/pages/{live['id']}", json={"title": "Hidden draft title"}, headers=h)

    for headers in ({}, {"x-publishable-api-key": publishable_key}):
        listed = client.get("/api/pages", headers=headers).json()
        assert [d["slug"] for d in listed["docs"]] == ["live"]
        assert all("draft" not in d for d in listed["docs"])
        assert_problem(client.get(f"/api/pages/{draft['id']}", headers=headers), 404, "not-found")
        for params in ({"where[status][equals]": "draft"}, {"where[slug][equals]": "secret"},
                       {"where[title][like]": "Hidden"}, {"where[title][like]": "Secret"},
                       {"where[publishedAt][exists]": "false"}):
            assert client.get("/api/pages", params=params, headers=headers).json()["totalDocs"] == 0
        # Depth expansion from a public document never pulls in a draft page.
        body = client.get("/api/pages", params={"depth": 2}, headers=headers).text
        assert "Hidden draft title" not in body and "Secret launch" not in body
    # The editor sees its draft.
    assert client.get(f"/api/pages/{draft['id']}", headers=h).json()["draft"]["title"] == "Secret launch"


def test_navigation_depth_does_not_expand_draft_pages(
    client: TestClient, tenant_a: TenantCtx
) -> None:
    h = tenant_a.headers
    draft = _create(client, h, slug="draft-page", title="Unreleased")
    menu = client.post("/api/navigation", json={"location": "main", "items": [
        {"label": "Soon", "page": draft["id"]}]}, headers=h)
    assert menu.status_code == 201, menu.text
    public = client.get(f"/api/navigation/{menu.json()['doc']['id']}", params={"depth": 1}).json()
    assert public["items"][0]["page"] == draft["id"]  # the id only, never the draft document
    editor = client.get(f"/api/navigation/{menu.json()['doc']['id']}", params={"depth": 1}, headers=h).json()
    assert editor["items"][0]["page"]["title"] == "Unreleased"


def test_invalid_blocks_and_slugs_change_nothing(client: TestClient, tenant_a: TenantCtx,
                                                  admin_headers: dict[str, str]) -> None:
    h = tenant_a.headers
    bad_blocks: list[Any] = [
        [{"blockType": "marquee", "text": "x"}],
        [{"blockType": "hero"}],
        [{"blockType": "callToAction", "text": "x", "url": "javascript:alert(1)"}],
        [{"blockType": "callToAction", "text": "x", "url": "//evil.example.com"}],
        [{"blockType": "productGrid", "productIds": ["p1"], "categoryId": "cat_1"}],
        [{"blockType": "productGrid", "columns": 3}],
        [{"blockType": "image", "image": "med_missing"}],
        [{"blockType": "faq", "items": []}],
        [{"blockType": "richText", "content": {"type": "root", "children": [{"type": "script"}]}}],
        [{"blockType": "hero", "heading": "x", "onload": "alert(1)"}],
        "not a list",
        [{"blockType": "hero", "heading": "x"}] * 51,
    ]
    for value in bad_blocks:
        response = client.post("/api/pages", json={"title": "T", "slug": "t", "blocks": value}, headers=h)
        assert_problem(response, 422, "validation-failed")
    assert_problem(client.post("/api/pages", json={"title": "T", "slug": "Not A Slug"}, headers=h), 422,
                   "validation-failed")
    assert_problem(client.post("/api/pages", json={"title": "T", "slug": "t", "extra": 1}, headers=h), 422,
                   "validation-failed")
    assert client.get("/api/pages", headers=h).json()["totalDocs"] == 0

    first = _create(client, h, slug="dup")
    assert_problem(client.post("/api/pages", json={"title": "T", "slug": "dup"}, headers=h), 409, "conflict")
    other = _create(client, h, slug="other")
    assert_problem(client.patch(f"/api/pages/{other['id']}", json={"slug": "dup"}, headers=h), 409, "conflict")
    assert_problem(client.patch(f"/api/pages/{other['id']}", json={"title": None}, headers=h), 422,
                   "validation-failed")
    assert client.get(f"/api/pages/{other['id']}", headers=h).json()["draft"]["slug"] == "other"
    # The same slug is fine on the platform (no tenant) and in another tenant.
    platform = client.post("/api/pages", json={"title": "T", "slug": "dup"}, headers=admin_headers)
    assert platform.status_code == 201 and platform.json()["doc"]["tenant"] is None
    assert_problem(client.post("/api/pages", json={"title": "T", "slug": "dup"}, headers=admin_headers), 409,
                   "conflict")
    assert first["slug"] == "dup"


def test_page_blocks_round_trip(client: TestClient, tenant_a: TenantCtx) -> None:
    page = _create(client, tenant_a.headers)
    kinds = [block["blockType"] for block in page["blocks"]]
    assert kinds == ["hero", "richText", "productGrid", "callToAction", "faq"]
    assert page["blocks"][2] == {"blockType": "productGrid", "productIds": ["prod_1", "prod_2"], "columns": 2}
