"""Conformance with Payload's documented drafts (docs/versions/drafts: "Reading drafts vs. published documents",
"Controlling who can see Collection drafts"): `draft=true` gives an editor the newest content of a document;
the public's read access allows published documents only, so for shoppers and publishable keys the parameter
changes nothing and a draft never shows. Versions list and restore work as before, translations included.
Blog posts keep drafts the same way once they are public (they have no versions)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth.models import Role
from api.clock import utcnow
from api.content import scheduling
from api.db import Database, Domain
from api.outbox.models import ContentOutboxEvent
from api.web.storefront import shop
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


# --- blog posts ------------------------------------------------------------------------------------------------


def _text(words: str) -> dict[str, Any]:
    return {"type": "root", "children": [{"type": "paragraph", "children": [{"type": "text", "text": words}]}]}


def _published_post(client: TestClient, tenant: TenantCtx, slug: str = "news") -> dict[str, Any]:
    body = {"title": "News", "slug": slug, "content": _text("Live words"), "tags": ["news"], "status": "published"}
    return written(client.post("/api/blogs", json=body, headers=tenant.headers))


def _events(database: Database, post_id: str) -> int:
    with database.transaction(Domain.content) as session:
        return session.scalar(select(func.count()).select_from(ContentOutboxEvent).where(
            ContentOutboxEvent.topic == "post.published", ContentOutboxEvent.entity_id == post_id)) or 0


def _storefront_titles(database: Database, tenant: TenantCtx) -> list[str]:
    with database.transaction(Domain.content) as session:
        return [post.title for post in shop.published_posts(session, tenant.id, 10, 0)[0]]


def test_an_edit_of_a_published_post_waits_in_its_draft_until_published(
    client: TestClient, database: Database, tenant_a: TenantCtx, tenant_b: TenantCtx, publishable_key: str,
    make_user: Any, login: Any,
) -> None:
    post = _published_post(client, tenant_a)
    editor, url = tenant_a.headers, f"/api/blogs/{post['id']}"
    assert _events(database, post["id"]) == 1
    changed = client.patch(url, json={"title": "News (edited)", "content": _text("New words"), "tags": ["tips"]},
                           headers=editor)
    assert changed.status_code == 200, changed.text
    assert written(changed)["title"] == "News" and written(changed)["draft"]["title"] == "News (edited)"
    assert written(changed)["hasUnpublishedChanges"] is True and written(changed)["status"] == "published"

    # The editor: the live post without `draft`, the newest content with it (the one post, not two).
    assert client.get(url, headers=editor).json()["title"] == "News"
    draft = client.get(url, params={"draft": "true"}, headers=editor).json()
    assert draft["title"] == "News (edited)" and draft["tags"] == ["tips"]
    assert draft["content"]["children"][0]["children"][0]["text"] == "New words"
    listed = client.get("/api/blogs", params={"draft": "true", "where[tenant][equals]": tenant_a.id},
                        headers=editor).json()
    assert [d["title"] for d in listed["docs"]] == ["News (edited)"]

    # Everyone else (anonymous, a publishable key, a shopper, another tenant's editor), `draft=true` or not:
    # the live post; filters match the live fields only; the storefront's blog lists the live post.
    shopper = login(make_user(Role.customer))
    for headers in ({}, {"x-publishable-api-key": publishable_key}, shopper, tenant_b.headers):
        doc = client.get(url, params={"draft": "true"}, headers=headers).json()
        assert doc["title"] == "News" and doc["tags"] == ["news"] and "draft" not in doc
        assert doc["content"]["children"][0]["children"][0]["text"] == "Live words"
        for where, found in (("News", 1), ("News (edited)", 0)):
            count = client.get("/api/blogs/count", params={"where[title][equals]": where, "draft": "true"},
                               headers=headers).json()
            assert count["totalDocs"] == found
        assert client.get("/api/blogs", params={"tag": "tips", "draft": "true"}, headers=headers).json()[
            "totalDocs"] == 0
    assert _storefront_titles(database, tenant_a) == ["News"]
    assert _events(database, post["id"]) == 1  # the sync and webhooks heard of no change

    # Another tenant's editor can neither change nor publish it.
    assert_problem(client.patch(url, json={"title": "Mine"}, headers=tenant_b.headers), 404, "not-found")
    assert_problem(client.post(f"{url}/publish", headers=tenant_b.headers), 404, "not-found")
    assert_problem(client.post(f"{url}/publish", headers=shopper), 403, "forbidden")

    # Publishing makes the draft the live post, for everyone, and writes `post.published` once more.
    published = client.post(f"{url}/publish", headers=editor)
    assert published.status_code == 200, published.text
    assert published.json()["hasUnpublishedChanges"] is False
    assert published.json()["publishedAt"] == post["publishedAt"]  # the post's date stays its first publish
    assert client.get(url).json()["title"] == "News (edited)"
    assert client.get("/api/blogs", params={"tag": "tips"}).json()["totalDocs"] == 1
    assert _storefront_titles(database, tenant_a) == ["News (edited)"]
    assert _events(database, post["id"]) == 2

    # `status: published` in a write publishes it, as Payload's `_status`; `status: draft` takes it offline.
    client.patch(url, json={"title": "News (again)", "status": "published"}, headers=editor)
    assert client.get(url).json()["title"] == "News (again)" and _events(database, post["id"]) == 3
    client.patch(url, json={"status": "draft"}, headers=editor)
    assert_problem(client.get(url), 404, "not-found")


def test_a_post_never_published_is_edited_in_place(client: TestClient, tenant_a: TenantCtx) -> None:
    h = tenant_a.headers
    post = written(client.post("/api/blogs", json={"title": "Soon", "slug": "soon", "content": _text("x")},
                               headers=h))
    client.patch(f"/api/blogs/{post['id']}", json={"title": "Sooner"}, headers=h)
    doc = client.get(f"/api/blogs/{post['id']}", headers=h).json()
    assert doc["title"] == "Sooner" and doc["draft"]["title"] == "Sooner" and doc["status"] == "draft"
    assert_problem(client.get(f"/api/blogs/{post['id']}"), 404, "not-found")


def test_a_post_edit_scheduled_for_later_goes_live_at_its_time(
    client: TestClient, database: Database, tenant_a: TenantCtx
) -> None:
    post = _published_post(client, tenant_a)
    url, h = f"/api/blogs/{post['id']}", tenant_a.headers
    client.patch(url, json={"title": "Spring news"}, headers=h)
    at = utcnow() + timedelta(hours=1)
    scheduled = client.post(f"{url}/publish", json={"publishAt": at.isoformat()}, headers=h)
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "published" and scheduled.json()["publishAt"] is not None

    assert scheduling.publish_due(database).posts == []  # not yet due: the live post stays
    assert client.get(url).json()["title"] == "News" and _events(database, post["id"]) == 1

    done = scheduling.publish_due(database, now=at + timedelta(seconds=1))
    assert done.posts == [post["id"]]
    live = client.get(url).json()
    assert live["title"] == "Spring news" and live["publishAt"] is None and live["status"] == "published"
    assert _events(database, post["id"]) == 2
    assert scheduling.publish_due(database, now=at + timedelta(minutes=5)).posts == []  # exactly once


def test_a_post_translation_goes_live_with_its_publish(client: TestClient, tenant_a: TenantCtx) -> None:
    h = tenant_a.headers
    client.patch(f"/api/tenants/{tenant_a.id}", json={"locales": ["en", "de"]}, headers=h)
    post = _published_post(client, tenant_a)
    url = f"/api/blogs/{post['id']}"
    client.patch(url, params={"locale": "de"}, json={"title": "Neuigkeiten"}, headers=h)
    assert client.get(url, params={"draft": "true", "locale": "de"}, headers=h).json()["title"] == "Neuigkeiten"
    assert client.get(url, params={"draft": "true", "locale": "de"}).json()["title"] == "News"
    assert client.get("/api/blogs", params={"locale": "de", "where[title][equals]": "Neuigkeiten"}).json()[
        "totalDocs"] == 0
    client.post(f"{url}/publish", headers=h)
    assert client.get(url, params={"locale": "de"}).json()["title"] == "Neuigkeiten"
    assert client.get(url).json()["title"] == "News"
