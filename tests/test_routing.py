"""`api.routing.Router` turns a request away at its first path segment (or its prefix), and never a request its
routes could answer: every route of the app is still reached, including those with parameters."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.routing import Router, route_roots


def _scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def test_the_roots_of_a_router_are_its_routes_first_segments() -> None:
    assert route_roots(["/store/carts", "/store/carts/{cart_id}", "/admin/x"]) == {"store", "admin"}
    assert route_roots(["/", "/robots.txt"]) == {"", "robots.txt"}
    assert route_roots(["/shop", "/{slug}"]) is None  # a parameter first: any path may match
    assert route_roots([None]) is None


def test_a_router_answers_no_match_outside_its_roots_and_prefix_without_asking_its_routes() -> None:
    store = Router(prefix="/store/carts")

    @store.get("/{cart_id}")
    def cart(cart_id: str) -> dict[str, str]:
        return {"cart": cart_id}

    pages = Router()

    @pages.get("/shop/{slug}")
    def shop(slug: str) -> dict[str, str]:
        return {"shop": slug}

    @pages.post("/login")
    def login() -> dict[str, str]:
        return {"login": "ok"}

    app = FastAPI()
    app.include_router(pages)
    app.include_router(store)
    client = TestClient(app)

    assert client.get("/store/carts/cart_1").json() == {"cart": "cart_1"}
    assert client.get("/shop/acme").json() == {"shop": "acme"}
    assert client.post("/login").json() == {"login": "ok"}
    assert client.get("/login").status_code == 405  # the method still decides, as before
    assert client.get("/store/orders/1").status_code == 404
    assert client.get("/elsewhere").status_code == 404

    assert store.turns_away(_scope("/store/orders/1"))  # the prefix
    assert store.turns_away(_scope("/shop/acme"))
    assert not store.turns_away(_scope("/store/carts/cart_1"))
    assert pages.turns_away(_scope("/store/carts/cart_1"))  # the first segment
    assert not pages.turns_away(_scope("/shop/acme"))
    assert not pages.turns_away({"type": "websocket", "path": "/elsewhere"})


def test_no_router_of_the_app_turns_away_a_path_of_its_own(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    included = [getattr(r, "original_router", None) for r in app.router.routes]
    routers = [router for router in included if isinstance(router, Router)]
    assert len(routers) > 40  # every router of the app is one
    paths = 0
    for router in routers:
        for route in router.routes:
            path = str(getattr(route, "path", "")).replace("{", "").replace("}", "")  # parameters as literal values
            assert not router.turns_away(_scope(path)), route
            paths += 1
    assert paths > 200
