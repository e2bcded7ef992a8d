"""Payload conformance: the examples of Payload's REST and query documentation (payloadcms.com/docs: queries
overview, pagination, select, REST API overview, authentication) run against our collection API, asserting
the documented results: one test per operator, per parameter and per answer shape, each naming exactly the
documents it expects.

The documents stand in for the docs' `posts`: three published platform blog posts and one draft.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.content.orders.service import CommerceOrder, upsert_from_commerce
from api.content.query import MAX_UNPAGED, Op
from api.db import Database, Domain
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, upload

POSTS = [
    # slug, title, tags, author, publishedAt
    ("summer-sale", "Summer Sale Starts", ["news", "sale"], "Ann Lee", "2026-01-01T00:00:00+00:00"),
    ("winter-sale", "The winter SALE ends", ["sale"], "Bob", "2026-02-01T00:00:00+00:00"),
    ("garden-tips", "Garden tips 100%", ["tips"], None, "2026-03-01T00:00:00+00:00"),
]
EVERY = ["garden-tips", "summer-sale", "winter-sale"]


def _post(client: TestClient, headers: dict[str, str], slug: str, title: str, tags: list[str],
          author: str | None, published_at: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title, "slug": slug, "tags": tags, "status": "published",
                            "publishedAt": published_at, "content": {"type": "root", "children": []}, **extra}
    if author:
        body["author"] = author
    response = client.post("/api/blogs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    doc: dict[str, Any] = response.json()["doc"]
    return doc


@pytest.fixture
def posts(client: TestClient, admin_headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    made = {row[0]: _post(client, admin_headers, *row) for row in POSTS}
    draft = client.post("/api/blogs", json={"title": "Secret sale", "slug": "secret-sale", "tags": ["sale"],
                                             "content": {"type": "root", "children": []}}, headers=admin_headers)
    assert draft.status_code == 201, draft.text
    return made


def _find(client: TestClient, query: str, collection: str = "blogs", **kwargs: Any) -> dict[str, Any]:
    response = client.get(f"/api/{collection}?{query}", **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _slugs(client: TestClient, query: str) -> list[str]:
    return sorted(doc["slug"] for doc in _find(client, query)["docs"])


# --- operators (docs: Queries > Overview > Operators) -------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # equals: "The value must be exactly equal."
        ("where[slug][equals]=winter-sale", ["winter-sale"]),
        ("where[title][equals]=the winter sale ends", []),  # exact: case matters
        # not_equals: "all documents where the value is not equal" (a missing value is not equal)
        ("where[author][not_equals]=Bob", ["garden-tips", "summer-sale"]),
        # like: "Case-insensitive string must be present. If string of words, all words must be present,
        # in any order."
        ("where[title][like]=sale", ["summer-sale", "winter-sale"]),
        ("where[title][like]=SALE summer", ["summer-sale"]),
        ("where[title][like]=ends the", ["winter-sale"]),
        ("where[title][like]=sale garden", []),
        ("where[title][like]=100%25", ["garden-tips"]),  # % is a character, not a wildcard
        ("where[title][like]=%25", ["garden-tips"]),
        # not_like: the value is not present (case-insensitive)
        ("where[title][not_like]=SALE", ["garden-tips"]),
        # contains: "Must contain the value entered, case-insensitive." (the whole value, words in order)
        ("where[title][contains]=sale starts", ["summer-sale"]),
        ("where[title][contains]=starts sale", []),
        # contains on an array field: the array holds the value
        ("where[tags][contains]=tips", ["garden-tips"]),
        # in / not_in: "within (NOT within) the provided comma-delimited list of values"
        ("where[slug][in]=summer-sale,garden-tips,nope", ["garden-tips", "summer-sale"]),
        ("where[slug][not_in]=summer-sale,garden-tips", ["winter-sale"]),
        ("where[tags][in]=tips,news", ["garden-tips", "summer-sale"]),
        ("where[tags][not_in]=news,tips", ["winter-sale"]),
        # all: "The value must contain all values provided in the comma-delimited list."
        ("where[tags][all]=sale,news", ["summer-sale"]),
        ("where[tags][all]=sale", ["summer-sale", "winter-sale"]),
        ("where[slug][all]=winter-sale", ["winter-sale"]),
        # exists: "Only return documents where the value either exists (true) or does not exist (false)."
        ("where[author][exists]=true", ["summer-sale", "winter-sale"]),
        ("where[author][exists]=false", ["garden-tips"]),
        ("where[tags][exists]=true", EVERY),
        # greater_than(_equal) / less_than(_equal): "For numeric or date-based fields."
        ("where[publishedAt][greater_than]=2026-02-01T00:00:00Z", ["garden-tips"]),
        ("where[publishedAt][greater_than_equal]=2026-02-01T00:00:00Z", ["garden-tips", "winter-sale"]),
        ("where[publishedAt][less_than]=2026-02-01T00:00:00Z", ["summer-sale"]),
        ("where[publishedAt][less_than_equal]=2026-02-01T00:00:00Z", ["summer-sale", "winter-sale"]),
        # Several operators on one field are ANDed (docs: "title like 'test' and title not equal to 'tester'")
        ("where[title][like]=sale&where[slug][not_equals]=summer-sale", ["winter-sale"]),
    ],
)
def test_operator(client: TestClient, posts: dict[str, Any], query: str, expected: list[str]) -> None:
    assert _slugs(client, query) == expected


def test_and_or(client: TestClient, posts: dict[str, Any]) -> None:
    # Docs (Queries > And / Or Logic): or[0] ... or[1] ... with a nested and.
    query = ("where[or][0][slug][equals]=garden-tips"
             "&where[or][1][and][0][tags][equals]=sale&where[or][1][and][1][author][equals]=Bob")
    assert _slugs(client, query) == ["garden-tips", "winter-sale"]
    assert _slugs(client, "where[and][0][tags][equals]=sale&where[and][1][title][like]=summer") == ["summer-sale"]


def test_numbers(client: TestClient, database: Database, admin_headers: dict[str, str]) -> None:
    placed = datetime(2026, 5, 1, tzinfo=UTC)
    with database.transaction(Domain.content) as session:
        for i, total in enumerate((500, 1500, 2500)):
            upsert_from_commerce(session, CommerceOrder.model_validate({
                "orderId": f"order_{i}", "number": f"100{i}", "customerEmail": f"c{i}@example.com", "total": total,
                "currency": "EUR", "vendorIds": ["vend_x", f"vend_{i}"], "status": "placed",
                "placedAt": (placed + timedelta(days=i)).isoformat(),
            }))

    def numbers(query: str) -> list[str]:
        return sorted(d["number"] for d in _find(client, query, "orders", headers=admin_headers)["docs"])

    assert numbers("where[total][greater_than_equal]=1500") == ["1001", "1002"]
    assert numbers("where[total][less_than_equal]=1500") == ["1000", "1001"]
    assert numbers("where[total][not_in]=500,2500") == ["1001"]
    assert numbers("where[vendorIds][all]=vend_x,vend_2") == ["1002"]
    assert numbers("where[vendorIds][not_equals]=vend_1") == ["1000", "1002"]


def test_relation_path(client: TestClient, admin_headers: dict[str, str], tenant_a: TenantCtx,
                       tenant_b: TenantCtx) -> None:
    # Docs (Queries > Nested properties): where[tenant.slug][equals]=... through a relationship field.
    _post(client, tenant_a.headers, "a-news", "A news", [], None, "2026-01-01T00:00:00+00:00")
    _post(client, tenant_b.headers, "b-news", "B news", [], None, "2026-01-01T00:00:00+00:00")
    assert _slugs(client, "where[tenant.slug][equals]=acme") == ["a-news"]
    assert _slugs(client, "where[tenant.name][like]=GLOB") == ["b-news"]
    assert _slugs(client, "where[or][0][tenant.slug][equals]=acme&where[or][1][slug][equals]=b-news") == [
        "a-news", "b-news"]
    # A tenant the reader may not see matches nothing, as if it were not there.
    client.patch(f"/api/tenants/{tenant_b.id}", json={"status": "suspended"}, headers=admin_headers)
    assert _find(client, "where[tenant.slug][equals]=globex", headers=tenant_a.headers)["docs"] == []


def test_relation_path_within_one_collection(client: TestClient, admin_headers: dict[str, str]) -> None:
    def create(slug: str, parent: str | None = None) -> str:
        made = client.post("/api/categories", json={"name": slug.title(), "slug": slug, "parent": parent},
                           headers=admin_headers)
        assert made.status_code == 201, made.text
        return str(made.json()["doc"]["id"])

    root = create("root")
    create("lamps", root)
    create("bulbs", create("other"))
    docs = _find(client, "where[parent.slug][equals]=root", "categories")["docs"]
    assert [d["slug"] for d in docs] == ["lamps"]


@pytest.mark.parametrize("op", [Op.near, Op.within, Op.intersects])
def test_point_operators_are_a_400_naming_the_supported_ones(client: TestClient, op: Op) -> None:
    body = assert_problem(client.get(f"/api/blogs?where[title][{op.value}]=1,2"), 400, "bad-request")
    assert "point" in body["detail"] and "like" in body["detail"]
    assert "like" in body["allowed_operators"] and op.value not in body["allowed_operators"]


# --- the list answer (docs: Queries > Pagination) -----------------------------------------------------


def test_find_answer_shape(client: TestClient, posts: dict[str, Any]) -> None:
    body = _find(client, "sort=slug&limit=1&page=2")
    assert list(body) == ["docs", "totalDocs", "limit", "totalPages", "page", "pagingCounter", "hasPrevPage",
                          "hasNextPage", "prevPage", "nextPage"]
    assert [d["slug"] for d in body["docs"]] == ["summer-sale"]
    assert body | {"docs": None} == {
        "docs": None, "totalDocs": 3, "limit": 1, "totalPages": 3, "page": 2, "pagingCounter": 2,
        "hasPrevPage": True, "hasNextPage": True, "prevPage": 1, "nextPage": 3,
    }
    # The docs' example: six documents, limit 1 -> pagingCounter is the number of the first doc of the page.
    assert _find(client, "sort=slug&limit=2&page=2")["pagingCounter"] == 3
    # Default limit 10.
    assert _find(client, "")["limit"] == 10


def test_empty_find(client: TestClient, posts: dict[str, Any]) -> None:
    assert _find(client, "where[slug][equals]=nope") | {"docs": None} == {
        "docs": None, "totalDocs": 0, "limit": 10, "totalPages": 1, "page": 1, "pagingCounter": 1,
        "hasPrevPage": False, "hasNextPage": False, "prevPage": None, "nextPage": None,
    }


def test_limit_zero_is_no_limit(client: TestClient, posts: dict[str, Any]) -> None:
    body = _find(client, "limit=0&sort=slug")
    assert [d["slug"] for d in body["docs"]] == EVERY
    assert body | {"docs": None} == {
        "docs": None, "totalDocs": 3, "limit": 0, "totalPages": 1, "page": 1, "pagingCounter": 1,
        "hasPrevPage": False, "hasNextPage": False, "prevPage": None, "nextPage": None,
    }
    assert MAX_UNPAGED == 1000  # the cap the README and the OpenAPI description state


def test_pagination_false(client: TestClient, posts: dict[str, Any]) -> None:
    body = _find(client, "pagination=false&sort=-slug")
    assert [d["slug"] for d in body["docs"]] == EVERY[::-1]
    assert (body["totalDocs"], body["totalPages"], body["hasNextPage"]) == (3, 1, False)


def test_sort(client: TestClient, posts: dict[str, Any]) -> None:
    # Docs (Queries > Sort): `sort=-createdAt`; several fields comma-separated.
    assert [d["slug"] for d in _find(client, "sort=-publishedAt")["docs"]] == [
        "garden-tips", "winter-sale", "summer-sale"]
    assert [d["slug"] for d in _find(client, "sort=author,slug")["docs"]] == [
        "summer-sale", "winter-sale", "garden-tips"]  # no author sorts last


# --- shaping the answer (docs: Queries > Select, Populate, Depth; REST > count) ---------------------


def test_select_include(client: TestClient, posts: dict[str, Any]) -> None:
    docs = _find(client, "select[title]=true&select[slug]=true&sort=slug")["docs"]
    assert docs == [{"id": posts[s]["id"], "title": posts[s]["title"], "slug": s} for s in EVERY]
    one = client.get(f"/api/blogs/{posts['winter-sale']['id']}?select[tags]=true").json()
    assert one == {"id": posts["winter-sale"]["id"], "tags": ["sale"]}


def test_select_exclude(client: TestClient, posts: dict[str, Any]) -> None:
    doc = _find(client, "select[content]=false&select[tags]=false&where[slug][equals]=summer-sale")["docs"][0]
    assert "content" not in doc and "tags" not in doc
    assert doc["title"] == "Summer Sale Starts" and doc["id"] == posts["summer-sale"]["id"]


def test_depth_and_populate(client: TestClient, tenant_a: TenantCtx) -> None:
    logo = upload(client, tenant_a.headers).json()["doc"]
    client.patch(f"/api/tenants/{tenant_a.id}", json={"branding": {"logo": logo["id"]}}, headers=tenant_a.headers)
    post = _post(client, tenant_a.headers, "hello", "Hello", [], None, "2026-01-01T00:00:00+00:00")
    assert client.get(f"/api/blogs/{post['id']}").json()["tenant"] == tenant_a.id  # depth 0: the id
    deep = client.get(f"/api/blogs/{post['id']}?depth=2").json()
    assert deep["tenant"]["slug"] == "acme" and deep["tenant"]["branding"]["logo"]["id"] == logo["id"]
    # populate[collection][field]=true: expanded documents of that collection keep those fields (and id).
    narrowed = client.get(f"/api/blogs/{post['id']}?depth=2&populate[tenants][slug]=true"
                          "&populate[tenants][branding]=true&populate[media][filename]=true").json()
    assert narrowed["tenant"] == {"id": tenant_a.id, "slug": "acme", "branding": {
        **deep["tenant"]["branding"], "logo": {"id": logo["id"], "filename": logo["filename"]}}}
    listed = _find(client, "depth=1&populate[tenants][name]=true")["docs"]
    assert listed[0]["tenant"] == {"id": tenant_a.id, "name": "Acme"}


def test_count(client: TestClient, posts: dict[str, Any]) -> None:
    # Docs (REST API): GET /api/{collection-slug}/count -> { totalDocs }.
    assert client.get("/api/blogs/count").json() == {"totalDocs": 3}
    assert client.get("/api/blogs/count?where[tags][equals]=sale").json() == {"totalDocs": 2}
    assert_problem(client.get("/api/blogs/count?limit=1"), 400, "bad-request")


# --- writes, errors and auth (docs: REST API; Authentication > API keys / Token) ---------------------


def test_create_update_delete_answers(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = {"title": "Hi", "slug": "hi", "content": {"type": "root", "children": []}}
    created = client.post("/api/blogs", json=body, headers=admin_headers)
    assert created.status_code == 201
    assert set(created.json()) == {"doc", "message"} and created.json()["message"] == "Blog successfully created."
    doc = created.json()["doc"]
    assert doc["slug"] == "hi" and doc["id"].startswith("post_")
    updated = client.patch(f"/api/blogs/{doc['id']}", json={"title": "Hello"}, headers=admin_headers)
    assert updated.status_code == 200
    assert updated.json() == {"doc": updated.json()["doc"], "message": "Updated successfully."}
    assert updated.json()["doc"]["title"] == "Hello"
    deleted = client.delete(f"/api/blogs/{doc['id']}", headers=admin_headers)
    assert deleted.status_code == 200
    assert deleted.json()["message"] == "Deleted successfully."
    assert deleted.json()["doc"]["id"] == doc["id"] and deleted.json()["doc"]["title"] == "Hello"
    assert_problem(client.get(f"/api/blogs/{doc['id']}", headers=admin_headers), 404, "not-found")


def test_errors_carry_payload_errors(client: TestClient, admin_headers: dict[str, str]) -> None:
    query = assert_problem(client.get("/api/blogs?where[nope][equals]=1"), 400, "bad-request")
    assert query["errors"] == [{"message": query["detail"]}]
    invalid = client.post("/api/blogs", json={"title": "", "slug": "x"}, headers=admin_headers)
    body = assert_problem(invalid, 422, "validation-failed")
    assert all(set(e) >= {"message", "path"} and e["path"] == e["field"] for e in body["errors"])
    missing = assert_problem(client.get("/api/blogs/post_missing"), 404, "not-found")
    assert missing["errors"] == [{"message": "No such document in 'blogs'."}]


def test_payload_authorization_headers(client: TestClient, admin_headers: dict[str, str]) -> None:
    token = admin_headers["Authorization"].removeprefix("Bearer ")
    scopes = ["admin:write", "content:write"]
    key = client.post("/admin/api-keys", json={"name": "cms", "kind": "secret", "scopes": scopes},
                      headers=admin_headers)
    assert key.status_code == 201, key.text
    secret = key.json()["secret"]
    body = {"title": "Hi", "slug": "hi", "content": {"type": "root", "children": []}}
    for n, header in enumerate((f"JWT {token}", f"users API-Key {secret}", f"Bearer {secret}")):
        response = client.post("/api/blogs", json=body | {"slug": f"hi-{n}"}, headers={"Authorization": header})
        assert response.status_code == 201, (header[:12], response.text)
    for header in (f"JWT {secret}", f"users API-Key {token}", f"Basic {token}", "users API-Key", "JWT"):
        assert_problem(client.post("/api/blogs", json=body, headers={"Authorization": header}), 401,
                       "unauthorized")
    assert client.get("/auth/me", headers={"Authorization": f"JWT {token}"}).json()["kind"] == "user"


def test_openapi_documents_every_operator_and_parameter(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    listing = spec["paths"]["/api/blogs"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names >= {"where", "sort", "limit", "page", "depth", "pagination", "select", "populate"}
    for op in Op:
        assert f"`{op.value}`" in listing["description"]
    assert "pagingCounter" in listing["description"]
    assert "/api/blogs/count" in spec["paths"]
