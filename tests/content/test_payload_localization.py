"""Conformance with Payload's documented localisation (docs/configuration/localization: "Retrieving localized
docs"), run against our API: `?locale=`, `?fallback-locale=` (a locale, or `none`/`null`/`false`), `locale=all`,
writes in a locale, and filters on a localised field in the requested locale. Where we differ from Payload on
purpose (an unknown locale is a 400, not the default locale) the test says so."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, blocks


def written(response: Any) -> dict[str, Any]:
    """The document a create or update answers: bare, or in Payload's `{doc, message}` envelope."""
    body: dict[str, Any] = response.json()
    return body["doc"] if "doc" in body and "message" in body else body


def _enable(client: TestClient, tenant: TenantCtx, *locales: str, default: str = "en") -> dict[str, Any]:
    response = client.patch(f"/api/tenants/{tenant.id}", json={"locales": list(locales), "defaultLocale": default},
                            headers=tenant.headers)
    assert response.status_code == 200, response.text
    return written(response)


def _post(client: TestClient, tenant: TenantCtx, slug: str, title: str, **extra: Any) -> dict[str, Any]:
    body = {"title": title, "slug": slug, "status": "published", "tags": ["news"],
            "content": {"type": "root", "children": [
                {"type": "paragraph", "children": [{"type": "text", "text": f"{title} body"}]}]}, **extra}
    response = client.post("/api/blogs", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return written(response)


def _de(client: TestClient, tenant: TenantCtx, collection: str, doc_id: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/{collection}/{doc_id}", params={"locale": "de"}, json=body, headers=tenant.headers)


def _de_post(client: TestClient, tenant: TenantCtx, post_id: str, body: dict[str, Any]) -> None:
    """German values for a published post: they go to its draft, live once published."""
    assert _de(client, tenant, "blogs", post_id, body).status_code == 200
    assert client.post(f"/api/blogs/{post_id}/publish", headers=tenant.headers).status_code == 200


def test_tenant_default_and_enabled_locales(client: TestClient, tenant_a: TenantCtx) -> None:
    fresh = client.get(f"/api/tenants/{tenant_a.id}").json()
    assert fresh["defaultLocale"] == "en" and fresh["locales"] == ["en"]
    doc = _enable(client, tenant_a, "en", "de")
    assert doc["defaultLocale"] == "en" and doc["locales"] == ["en", "de"]
    # The default must be enabled; locales are the platform's; none repeats.
    assert_problem(client.patch(f"/api/tenants/{tenant_a.id}", json={"defaultLocale": "fr"},
                                headers=tenant_a.headers), 422, "validation-failed")
    bad: list[dict[str, Any]] = [{"locales": ["en", "xx"]}, {"locales": ["en", "en"]}, {"locales": []}]
    for body in bad:
        assert_problem(client.patch(f"/api/tenants/{tenant_a.id}", json=body, headers=tenant_a.headers),
                       422, "validation-failed")


def test_write_a_locale_then_read_it(client: TestClient, tenant_a: TenantCtx) -> None:
    _enable(client, tenant_a, "en", "de")
    post = _post(client, tenant_a, "hello", "Hello")
    answer = _de(client, tenant_a, "blogs", post["id"], {"title": "Hallo", "tags": ["neu"]})
    assert answer.status_code == 200, answer.text
    # A published post's edits go to its draft: its editor reads them there (in the locale written;
    # non-localised fields are written as usual), the public only once they are published.
    preview = client.get(f"/api/blogs/{post['id']}", params={"locale": "de", "draft": "true"},
                         headers=tenant_a.headers).json()
    assert preview["title"] == "Hallo" and preview["tags"] == ["neu"]
    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "de"}).json()["title"] == "Hello"
    client.post(f"/api/blogs/{post['id']}/publish", headers=tenant_a.headers)

    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "de"}).json()["title"] == "Hallo"
    # No locale: the default locale (Payload's `defaultLocale`); asking for it explicitly is the same.
    assert client.get(f"/api/blogs/{post['id']}").json()["title"] == "Hello"
    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "en"}).json()["title"] == "Hello"
    listed = client.get("/api/blogs", params={"locale": "de", "where[tenant][equals]": tenant_a.id}).json()
    assert [d["title"] for d in listed["docs"]] == ["Hallo"]

    # Writing the default locale writes the primary value; the German one stays.
    client.patch(f"/api/blogs/{post['id']}", params={"locale": "en"}, json={"title": "Hello there"},
                 headers=tenant_a.headers)
    client.post(f"/api/blogs/{post['id']}/publish", headers=tenant_a.headers)
    assert client.get(f"/api/blogs/{post['id']}").json()["title"] == "Hello there"
    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "de"}).json()["title"] == "Hallo"


def test_missing_translation_falls_back_and_fallback_none_disables(client: TestClient, tenant_a: TenantCtx) -> None:
    _enable(client, tenant_a, "en", "de", "fr")
    post = _post(client, tenant_a, "hello", "Hello")
    _de_post(client, tenant_a, post["id"], {"title": "Hallo"})
    french = client.get(f"/api/blogs/{post['id']}", params={"locale": "fr"})
    # No French value: the default locale's, never an error.
    assert french.status_code == 200 and french.json()["title"] == "Hello"
    # An explicit fallback locale comes first.
    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "fr", "fallback-locale": "de"}).json()[
        "title"] == "Hallo"
    # Payload's REST also reads `fallbackLocale`.
    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "fr", "fallbackLocale": "de"}).json()[
        "title"] == "Hallo"
    # `none` (or `null`, `false`) turns falling back off: the missing value is not filled in.
    for off in ("none", "null", "false"):
        doc = client.get(f"/api/blogs/{post['id']}", params={"locale": "fr", "fallback-locale": off}).json()
        assert doc["title"] is None and doc["content"] is None and doc["slug"] == "hello"
    # A present value needs no fallback.
    assert client.get(f"/api/blogs/{post['id']}", params={"locale": "de", "fallback-locale": "none"}).json()[
        "title"] == "Hallo"


def test_locale_all_answers_every_locale(client: TestClient, tenant_a: TenantCtx) -> None:
    _enable(client, tenant_a, "en", "de")
    post = _post(client, tenant_a, "hello", "Hello")
    _de_post(client, tenant_a, post["id"], {"title": "Hallo"})
    for value in ("all", "*"):
        doc = client.get(f"/api/blogs/{post['id']}", params={"locale": value}).json()
        assert doc["title"] == {"en": "Hello", "de": "Hallo"}
        assert set(doc["content"]) == {"en"}  # no German body yet
        assert doc["slug"] == "hello"  # not localised: a plain value


def test_unknown_or_disabled_locale_is_a_clear_400(client: TestClient, tenant_a: TenantCtx) -> None:
    _enable(client, tenant_a, "en", "de")
    post = _post(client, tenant_a, "hello", "Hello")
    for params in ({"locale": "xx"}, {"locale": "de", "fallback-locale": "klingon"}):
        problem = assert_problem(client.get("/api/blogs", params=params), 400, "bad-request")
        assert "de" in problem["allowed_locales"]
        assert_problem(client.get(f"/api/blogs/{post['id']}", params=params), 400, "bad-request")
    assert_problem(client.get("/api/blogs", params={"locale": "de", "draft": "maybe"}), 400, "bad-request")
    # French is a platform locale this tenant has not enabled: reading the document in it, or writing it, is a
    # 400 naming the enabled ones (Payload has one locale list; we have one per tenant).
    problem = assert_problem(client.get(f"/api/blogs/{post['id']}", params={"locale": "fr"}), 400, "bad-request")
    assert problem["enabled_locales"] == ["en", "de"]
    assert_problem(client.patch(f"/api/blogs/{post['id']}", params={"locale": "fr"}, json={"title": "Salut"},
                                headers=tenant_a.headers), 400, "bad-request")
    assert_problem(client.patch(f"/api/blogs/{post['id']}", params={"locale": "xx"}, json={"title": "?"},
                                headers=tenant_a.headers), 400, "bad-request")
    # A list across tenants falls back instead of failing.
    assert client.get("/api/blogs", params={"locale": "fr"}).json()["docs"][0]["title"] == "Hello"


def test_filter_and_sort_on_a_localised_field_use_the_requested_locale(
    client: TestClient, tenant_a: TenantCtx
) -> None:
    _enable(client, tenant_a, "en", "de")
    apple = _post(client, tenant_a, "apple", "Apple")
    zebra = _post(client, tenant_a, "zebra", "Zebra")
    _de_post(client, tenant_a, apple["id"], {"title": "Zitrone"})
    _de_post(client, tenant_a, zebra["id"], {"title": "Affe"})

    def titles(**params: str) -> list[str]:
        response = client.get("/api/blogs", params={"where[tenant][equals]": tenant_a.id, **params})
        assert response.status_code == 200, response.text
        return [d["title"] for d in response.json()["docs"]]

    assert titles(**{"where[title][equals]": "Affe", "locale": "de"}) == ["Affe"]
    assert titles(**{"where[title][equals]": "Affe"}) == []
    assert titles(**{"where[title][equals]": "Zebra", "locale": "de"}) == []
    assert titles(**{"where[title][like]": "zitr", "locale": "de"}) == ["Zitrone"]
    assert titles(sort="title", locale="de") == ["Affe", "Zitrone"]
    assert titles(sort="title") == ["Apple", "Zebra"]
    # A post without a German title is found by its fallback (default) title, unless fallback is off.
    _post(client, tenant_a, "mango", "Mango")
    assert titles(**{"where[title][equals]": "Mango", "locale": "de"}) == ["Mango"]
    assert titles(**{"where[title][equals]": "Mango", "locale": "de", "fallback-locale": "none"}) == []


def test_pages_menus_categories_and_product_content_are_localised(
    client: TestClient, tenant_a: TenantCtx, admin_headers: dict[str, str]
) -> None:
    _enable(client, tenant_a, "en", "de")
    h = tenant_a.headers
    page = written(client.post("/api/pages", json={"title": "Home", "slug": "home", "blocks": blocks(),
                                                    "seoTitle": "Home"}, headers=h))
    client.post(f"/api/pages/{page['id']}/publish", headers=h)
    german_blocks = [{"blockType": "hero", "heading": "Willkommen"}]
    response = _de(client, tenant_a, "pages", page["id"], {"title": "Startseite", "blocks": german_blocks})
    assert response.status_code == 200, response.text
    # A page's translation goes to its draft: live only once published.
    assert client.get(f"/api/pages/{page['id']}", params={"locale": "de"}).json()["title"] == "Home"
    client.post(f"/api/pages/{page['id']}/publish", headers=h)
    live = client.get(f"/api/pages/{page['id']}", params={"locale": "de"}).json()
    assert live["title"] == "Startseite" and live["blocks"] == german_blocks and live["seoTitle"] == "Home"
    assert client.get(f"/api/pages/{page['id']}").json()["title"] == "Home"

    menu = written(client.post("/api/navigation", json={"location": "main", "items": [
        {"label": "Home", "page": page["id"]}, {"label": "Contact", "url": "/contact"}]}, headers=h))
    response = _de(client, tenant_a, "navigation", menu["id"], {"items": [
        {"label": "Startseite", "page": page["id"]}, {"label": "Kontakt", "url": "/contact"}]})
    assert response.status_code == 200, response.text
    german = client.get(f"/api/navigation/{menu['id']}", params={"locale": "de", "depth": "1"}).json()
    assert [i["label"] for i in german["items"]] == ["Startseite", "Kontakt"]
    # Related documents are populated in the same locale (as Payload does).
    assert german["items"][0]["page"]["title"] == "Startseite"
    bad = _de(client, tenant_a, "navigation", menu["id"], {"items": [{"label": "X", "page": "page_unknown"}]})
    assert_problem(bad, 422, "validation-failed")

    category = written(client.post("/api/categories", json={"name": "Tools", "slug": "tools"},
                                   headers=admin_headers))
    response = client.patch(f"/api/categories/{category['id']}", params={"locale": "de"},
                            json={"name": "Werkzeuge"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert client.get(f"/api/categories/{category['id']}", params={"locale": "de"}).json()["name"] == "Werkzeuge"
    assert client.get("/api/categories", params={"locale": "de", "where[name][equals]": "Werkzeuge"}).json()[
        "totalDocs"] == 1

    content = written(client.post("/api/products", json={"productId": "prod_loc", "vendorId": tenant_a.vendor_id,
                                                         "seoTitle": "Hammer"}, headers=admin_headers))
    response = client.patch(f"/api/products/{content['id']}", params={"locale": "de"},
                            json={"seoTitle": "Hammer (de)"}, headers=h)
    assert response.status_code == 200, response.text
    doc = client.get(f"/api/products/{content['id']}", params={"locale": "all"}, headers=h).json()
    assert doc["seoTitle"] == {"en": "Hammer", "de": "Hammer (de)"}
    # Writing null removes a locale's value: it falls back again.
    client.patch(f"/api/products/{content['id']}", params={"locale": "de"}, json={"seoTitle": None}, headers=h)
    assert client.get(f"/api/products/{content['id']}", params={"locale": "de"}, headers=h).json()[
        "seoTitle"] == "Hammer"


def test_openapi_documents_the_locale_and_draft_parameters(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for collection in ("pages", "blogs", "products", "categories", "navigation"):
        for route in (paths[f"/api/{collection}"]["get"], paths[f"/api/{collection}/{{doc_id}}"]["get"]):
            names = {p["name"] for p in route.get("parameters", [])}
            assert {"locale", "fallback-locale", "draft"} <= names, collection
        assert "locale" in {p["name"] for p in paths[f"/api/{collection}/{{doc_id}}"]["patch"]["parameters"]}
