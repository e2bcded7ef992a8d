"""Conformance with Payload's documented drafts (docs/versions/drafts: "Reading drafts vs. published documents",
"Controlling who can see Collection drafts"): `draft=true` gives an editor the newest content of a document;
the public's read access allows published documents only, so for shoppers and publishable keys the parameter
changes nothing and a draft never shows. Versions list and restore work as before, translations included."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, blocks
from tests.content.test_payload_localization import written


def _published_page(client: TestClient, tenant: TenantCtx, slug: str = "about") -> dict[str, Any]:
    page = written(client.post("/api/pages", json={"title": "About", "slug": slug, "blocks": blocks()},
                               headers=tenant.headers))
    client.post(f"/api/pages/{page['id']}/publish", headers=tenant.headers)
    return page


def test_editor_reads_the_draft_the_public_never_does(
    client: TestClient, tenant_a: TenantCtx, tenant_b: TenantCtx, publishable_key: str
) -> None:
    page = _published_page(client, tenant_a)
    client.patch(f"/api/pages/{page['id']}", json={"title": "About (draft)", "seoTitle": "Draft SEO"},
                 headers=tenant_a.headers)
    never_published = written(client.post("/api/pages", json={"title": "Launch", "slug": "launch", "blocks": []},
                                          headers=tenant_a.headers))

    # The editor: without `draft` the live document (Payload's main collection), with it the newest content.
    editor = tenant_a.headers
    assert client.get(f"/api/pages/{page['id']}", headers=editor).json()["title"] == "About"
    draft = client.get(f"/api/pages/{page['id']}", params={"draft": "true"}, headers=editor).json()
    assert draft["title"] == "About (draft)" and draft["seoTitle"] == "Draft SEO"
    listed = client.get("/api/pages", params={"draft": "true", "sort": "title"}, headers=editor).json()
    assert [d["title"] for d in listed["docs"]] == ["About (draft)", "Launch"]
    assert client.get(f"/api/pages/{never_published['id']}", params={"draft": "true"},
                      headers=editor).json()["status"] == "draft"

    # Everyone else: anonymous, a publishable key, another tenant's vendor. `draft=true` is ignored for them.
    for headers in ({}, {"x-publishable-api-key": publishable_key}, tenant_b.headers):
        doc = client.get(f"/api/pages/{page['id']}", params={"draft": "true"}, headers=headers).json()
        assert doc["title"] == "About" and doc["seoTitle"] is None and "draft" not in doc
        listed = client.get("/api/pages", params={"draft": "true", "where[tenant][equals]": tenant_a.id},
                            headers=headers).json()
        assert [d["title"] for d in listed["docs"]] == ["About"]
        assert_problem(client.get(f"/api/pages/{never_published['id']}", params={"draft": "true"},
                                  headers=headers), 404, "not-found")


def test_draft_posts_stay_with_their_editors(client: TestClient, tenant_a: TenantCtx, publishable_key: str) -> None:
    body = {"title": "Coming soon", "slug": "soon", "content": {"type": "root", "children": []}}
    post = written(client.post("/api/blogs", json=body, headers=tenant_a.headers))
    assert post["status"] == "draft"
    mine = client.get(f"/api/blogs/{post['id']}", params={"draft": "true"}, headers=tenant_a.headers)
    assert mine.status_code == 200 and mine.json()["title"] == "Coming soon"
    for headers in ({}, {"x-publishable-api-key": publishable_key}):
        assert_problem(client.get(f"/api/blogs/{post['id']}", params={"draft": "true"}, headers=headers),
                       404, "not-found")
        assert client.get("/api/blogs", params={"draft": "true"}, headers=headers).json()["totalDocs"] == 0


def test_draft_translation_versions_and_restore(client: TestClient, tenant_a: TenantCtx) -> None:
    h = tenant_a.headers
    client.patch(f"/api/tenants/{tenant_a.id}", json={"locales": ["en", "de"]}, headers=h)
    page = _published_page(client, tenant_a)
    client.patch(f"/api/pages/{page['id']}", params={"locale": "de"}, json={"title": "Über uns"}, headers=h)
    # A German draft: the editor previews it, the public still reads the fallback.
    preview = client.get(f"/api/pages/{page['id']}", params={"draft": "true", "locale": "de"}, headers=h).json()
    assert preview["title"] == "Über uns"
    assert client.get(f"/api/pages/{page['id']}", params={"locale": "de"}).json()["title"] == "About"
    assert client.get(f"/api/pages/{page['id']}", headers=h).json()["hasUnpublishedChanges"] is True

    client.post(f"/api/pages/{page['id']}/publish", headers=h)
    assert client.get(f"/api/pages/{page['id']}", params={"locale": "de"}).json()["title"] == "Über uns"
    versions = client.get(f"/api/pages/{page['id']}/versions", headers=h).json()["docs"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["content"]["locales"] == {"de": {"title": "Über uns"}}

    # Restoring version 1 (no German) puts it into the draft; publishing it takes the German title away.
    client.post(f"/api/pages/{page['id']}/versions/{versions[1]['id']}/restore", headers=h)
    assert client.get(f"/api/pages/{page['id']}", params={"locale": "de"}).json()["title"] == "Über uns"
    client.post(f"/api/pages/{page['id']}/publish", headers=h)
    assert client.get(f"/api/pages/{page['id']}", params={"locale": "de"}).json()["title"] == "About"
