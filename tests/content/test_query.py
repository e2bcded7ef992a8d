"""The generic query engine through HTTP: every operator, and/or groups, sort, paging, depth, and
malformed input answered with 400 problems (never a 500)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.content.orders.service import CommerceOrder, upsert_from_commerce
from api.db import Database, Domain
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, upload


def _post(client: TestClient, headers: dict[str, str], slug: str, tags: list[str], published: bool = True,
          when: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": slug.replace("-", " ").title(), "slug": slug, "tags": tags, "author": "Ann",
        "status": "published" if published else "draft",
        "content": {"type": "root", "children": []},
    }
    if when:
        body["publishedAt"] = when
    response = client.post("/api/blogs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["doc"]


@pytest.fixture
def posts(client: TestClient, admin_headers: dict[str, str]) -> list[dict[str, Any]]:
    return [
        _post(client, admin_headers, "alpha", ["news"], when="2026-01-01T00:00:00Z"),
        _post(client, admin_headers, "beta", ["news", "tips"], when="2026-02-01T00:00:00Z"),
        _post(client, admin_headers, "gamma", ["tips"], when="2026-03-01T00:00:00Z"),
        _post(client, admin_headers, "delta-secret", ["news"], published=False),
    ]


def _slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [doc["slug"] for doc in response.json()["docs"]]


def test_each_operator(client: TestClient, posts: list[dict[str, Any]]) -> None:
    get = lambda **params: _slugs(client.get("/api/blogs", params=params))  # noqa: E731
    assert get(**{"where[slug][equals]": "beta"}) == ["beta"]
    assert sorted(get(**{"where[slug][not_equals]": "beta"})) == ["alpha", "gamma"]
    assert sorted(get(**{"where[slug][in]": "alpha,gamma,nope"})) == ["alpha", "gamma"]
    assert get(**{"where[title][like]": "AMM"}) == ["gamma"]
    assert get(**{"where[title][like]": "%"}) == []  # wildcards are literal
    assert get(**{"where[publishedAt][greater_than]": "2026-02-15T00:00:00Z"}) == ["gamma"]
    assert get(**{"where[publishedAt][less_than]": "2026-01-15"}) == ["alpha"]
    assert sorted(get(**{"where[author][exists]": "true"})) == ["alpha", "beta", "gamma"]
    assert get(**{"where[author][exists]": "false"}) == []
    # Arrays: equals = contains, in = overlaps, exists = non-empty.
    assert sorted(get(**{"where[tags][equals]": "tips"})) == ["beta", "gamma"]
    assert sorted(get(**{"where[tags][in]": "news,other"})) == ["alpha", "beta"]
    assert sorted(get(tag="news")) == ["alpha", "beta"]
    assert len(get(**{"where[tags][exists]": "true"})) == 3
    # `in` as repeated bracket values.
    response = client.get("/api/blogs?where[slug][in][]=alpha&where[slug][in][]=beta")
    assert sorted(_slugs(response)) == ["alpha", "beta"]


def test_or_and_groups(client: TestClient, posts: list[dict[str, Any]]) -> None:
    url = "/api/blogs?where[or][0][slug][equals]=alpha&where[or][1][tags][equals]=tips&sort=slug"
    assert _slugs(client.get(url)) == ["alpha", "beta", "gamma"]
    url = ("/api/blogs?where[and][0][tags][equals]=news&where[and][1][or][0][slug][equals]=beta"
           "&where[and][1][or][1][slug][equals]=gamma")
    assert _slugs(client.get(url)) == ["beta"]
    # Conditions on the same level are ANDed.
    assert _slugs(client.get("/api/blogs?where[tags][equals]=news&where[slug][not_equals]=alpha")) == ["beta"]


def test_sort_and_pagination(client: TestClient, posts: list[dict[str, Any]]) -> None:
    assert _slugs(client.get("/api/blogs")) == ["gamma", "beta", "alpha"]  # newest first by default
    assert _slugs(client.get("/api/blogs", params={"sort": "slug"})) == ["alpha", "beta", "gamma"]
    assert _slugs(client.get("/api/blogs", params={"sort": "-author,-slug"})) == ["gamma", "beta", "alpha"]
    first = client.get("/api/blogs", params={"sort": "slug", "limit": 2}).json()
    assert [d["slug"] for d in first["docs"]] == ["alpha", "beta"]
    assert first | {"docs": None} == {
        "docs": None, "totalDocs": 3, "limit": 2, "page": 1, "totalPages": 2, "pagingCounter": 1,
        "hasNextPage": True, "hasPrevPage": False, "nextPage": 2, "prevPage": None,
    }
    second = client.get("/api/blogs", params={"sort": "slug", "limit": 2, "page": 2}).json()
    assert [d["slug"] for d in second["docs"]] == ["gamma"]
    assert second["hasNextPage"] is False and second["hasPrevPage"] is True
    beyond = client.get("/api/blogs", params={"limit": 2, "page": 9}).json()
    assert beyond["docs"] == [] and beyond["totalDocs"] == 3


def test_depth_expands_relations_in_batches(
    client: TestClient, admin_headers: dict[str, str], tenant_a: TenantCtx
) -> None:
    logo = upload(client, tenant_a.headers).json()["doc"]["id"]
    client.patch(f"/api/tenants/{tenant_a.id}", json={"branding": {"logo": logo}}, headers=tenant_a.headers)
    root = client.post("/api/categories", json={"name": "Root", "slug": "root", "image": None},
                       headers=admin_headers).json()["doc"]
    child = client.post("/api/categories", json={"name": "Child", "slug": "child", "parent": root["id"]},
                        headers=admin_headers).json()["doc"]
    grandchild = client.post("/api/categories", json={"name": "Leaf", "slug": "leaf", "parent": child["id"]},
                             headers=admin_headers).json()["doc"]

    flat = client.get(f"/api/categories/{grandchild['id']}").json()
    assert flat["parent"] == child["id"]
    one = client.get(f"/api/categories/{grandchild['id']}", params={"depth": 1}).json()
    assert one["parent"]["id"] == child["id"] and one["parent"]["parent"] == root["id"]
    two = client.get(f"/api/categories/{grandchild['id']}", params={"depth": 2}).json()
    assert two["parent"]["parent"]["id"] == root["id"]

    tenants = client.get("/api/tenants", params={"depth": 1}).json()["docs"]
    assert tenants[0]["branding"]["logo"]["id"] == logo
    assert tenants[0]["branding"]["logo"]["sizes"]["thumbnail"]["url"] == f"/media/{logo}/thumbnail"


def test_orders_number_and_date_filters(client: TestClient, database: Database, admin_headers: dict[str, str]) -> None:
    placed = datetime(2026, 5, 1, tzinfo=UTC)
    with database.transaction(Domain.content) as session:
        for i, total in enumerate((500, 1500, 2500)):
            upsert_from_commerce(session, CommerceOrder.model_validate({
                "orderId": f"order_{i}", "number": f"100{i}", "customerEmail": f"c{i}@example.com", "total": total,
                "currency": "EUR", "vendorIds": ["vend_x"], "status": "placed",
                "placedAt": (placed + timedelta(days=i)).isoformat(),
            }))
    get = lambda **p: [d["number"] for d in client.get("/api/orders", params=p, headers=admin_headers).json()["docs"]]  # noqa: E731
    assert get(**{"where[total][greater_than]": "1000", "sort": "total"}) == ["1001", "1002"]
    assert get(**{"where[total][less_than]": "1000"}) == ["1000"]
    assert get(**{"where[total][in]": "500,2500", "sort": "-total"}) == ["1002", "1000"]
    assert get(**{"where[placedAt][greater_than]": "2026-05-02T12:00:00+00:00"}) == ["1002"]
    assert get(**{"where[vendorIds][equals]": "vend_x", "limit": "1", "page": "3", "sort": "number"}) == ["1002"]


@pytest.mark.parametrize(
    ("url", "allowed_key"),
    [
        ("/api/blogs?where[nope][equals]=1", "allowed_fields"),
        ("/api/blogs?where[slug][resembles]=1", "allowed_operators"),
        ("/api/blogs?where[tags][like]=x", "allowed_operators"),
        ("/api/orders?where[total][greater_than]=lots", None),
        ("/api/orders?where[total][in]=1,x", None),
        ("/api/blogs?where[publishedAt][greater_than]=yesterday", None),
        ("/api/blogs?where[slug]=x", "allowed_operators"),
        ("/api/blogs?where[slug][equals][deep][er]=x", None),
        ("/api/blogs?where[or][x][slug][equals]=a", None),
        ("/api/blogs?where[or]=a", None),
        ("/api/blogs?where[or][0]=a", None),
        ("/api/blogs?where=x", None),
        ("/api/blogs?where[slug][equals]=a&where[slug][equals]=b", None),
        ("/api/blogs?where[slug][equals]=a&where[slug][equals][x]=b", None),
        ("/api/blogs?where[status][equals]=bogus", "allowed_values"),
        ("/api/blogs?where[author][exists]=maybe", None),
        ("/api/blogs?where[a" + "[b]" * 30 + "=1", None),
        ("/api/blogs?where[or][0][or][0][or][0][or][0][or][0][slug][equals]=1", None),
        ("/api/blogs?sort=password", "allowed_fields"),
        ("/api/blogs?sort=tags", "allowed_fields"),
        ("/api/blogs?sort=,,,", "allowed_fields"),
        ("/api/blogs?limit=1000000", None),
        ("/api/blogs?pagination=maybe", None),
        ("/api/blogs?where[title][near]=1,2", "allowed_operators"),
        ("/api/blogs?select[title]=true&select[slug]=false", None),
        ("/api/blogs?populate[users][name]=true", "allowed_collections"),
        ("/api/blogs?where[tenant.password][equals]=x", "allowed_fields"),
        ("/api/blogs?where[title.slug][equals]=x", "allowed_fields"),
        ("/api/blogs?limit=-1", None),
        ("/api/blogs?limit=abc", None),
        ("/api/blogs?page=0", None),
        ("/api/blogs?page=%C2%B2", None),
        ("/api/blogs?depth=3", None),
        ("/api/blogs?limit=5&limit=6", None),
        ("/api/blogs?password=1", "allowed_parameters"),
        ("/api/blogs/post_x?depth=9", None),
        ("/api/blogs?where[slug][in]=" + ",".join(["a"] * 101), None),
        ("/api/blogs?where[slug][like]=" + "a" * 600, None),
    ],
)
def test_malformed_queries_are_400_problems(client: TestClient, url: str, allowed_key: str | None) -> None:
    body = assert_problem(client.get(url), 400, "bad-request")
    if allowed_key:
        assert body[allowed_key]


def test_too_many_conditions(client: TestClient) -> None:
    url = "/api/blogs?" + "&".join(f"where[or][{i}][slug][equals]=s{i}" for i in range(25))
    assert_problem(client.get(url), 400, "bad-request")


def test_unknown_collection_is_404(client: TestClient) -> None:
    assert_problem(client.get("/api/users"), 404, "not-found")
    assert_problem(client.get("/api/pages/page_missing"), 404, "not-found")
