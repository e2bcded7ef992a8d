"""The storefront in the shopper's locale: Accept-Language, `?locale=` and the switcher's cookie choose among the
tenant's enabled locales, `<html lang>` says which, a missing translation shows the default locale's text, and a
store with one locale shows no switcher."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.web.storefront_data import Marketplace


def _german_nordic_oak(client: TestClient, market: Marketplace, admin: dict[str, str]) -> None:
    tenant = market.stores["nordic-oak"].tenant_id
    answer = client.patch(f"/api/tenants/{tenant}", json={"locales": ["en", "de"]}, headers=admin)
    assert answer.status_code == 200, answer.text
    home = client.get("/api/pages", params={"where[tenant][equals]": tenant, "where[slug][equals]": "home"},
                      headers=admin).json()["docs"][0]
    answer = client.patch(f"/api/pages/{home['id']}", params={"locale": "de"}, headers=admin, json={
        "title": "Nordic Oak", "seoTitle": "Nordic Oak Möbel",
        "blocks": [{"blockType": "hero", "heading": "Möbel, die bleiben"}]})
    assert answer.status_code == 200, answer.text
    assert client.post(f"/api/pages/{home['id']}/publish", headers=admin).status_code == 200
    menu = client.get("/api/navigation", params={"where[tenant][equals]": tenant}, headers=admin).json()["docs"][0]
    about = menu["items"][0]["page"]
    answer = client.patch(f"/api/navigation/{menu['id']}", params={"locale": "de"}, headers=admin, json={
        "items": [{"label": "Über uns", "page": about}, {"label": "Magazin", "url": "/shop/nordic-oak/blog"}]})
    assert answer.status_code == 200, answer.text


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_the_store_speaks_the_shoppers_language(
    http: httpx.Client, client: TestClient, market: Marketplace, admin_headers: dict[str, str]
) -> None:
    _german_nordic_oak(client, market, admin_headers)
    english = http.get("/shop/nordic-oak").text
    assert _lang(english) == "en" and "Furniture that lasts" in english and "About us" in english
    assert 'hreflang="de"' in english and 'data-testid="locale-switcher"' in english

    for headers, params in (({"accept-language": "de-DE,de;q=0.9,en;q=0.5"}, {}), ({}, {"locale": "de"})):
        german = http.get("/shop/nordic-oak", headers=headers, params=params).text
        assert _lang(german) == "de"
        assert "Möbel, die bleiben" in german and "Furniture that lasts" not in german
        assert "Über uns" in german and "Magazin" in german and "Nordic Oak Möbel" in german
    # A language the store does not offer: its default.
    assert _lang(http.get("/shop/nordic-oak", headers={"accept-language": "fr-FR,es;q=0.8"}).text) == "en"
    # A page without a German translation shows its English text, in a German page.
    about = http.get("/shop/nordic-oak/about", params={"locale": "de"}).text
    assert _lang(about) == "de" and "Three generations of carpenters." in about
    # One locale: no switcher.
    assert 'data-testid="locale-switcher"' not in http.get("/shop/lumen-works").text


def test_the_switcher_keeps_the_chosen_language(
    page: Page, client: TestClient, market: Marketplace, admin_headers: dict[str, str], shot: Any
) -> None:
    _german_nordic_oak(client, market, admin_headers)
    page.goto("/shop/nordic-oak")
    expect(page.get_by_role("heading", name="Furniture that lasts")).to_be_visible()
    page.get_by_label("Language").select_option("de")
    expect(page.get_by_role("heading", name="Möbel, die bleiben")).to_be_visible()
    shot(page, "store-in-german")
    # The choice is kept: the next page is German too.
    page.goto("/shop/nordic-oak/about")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Über uns")).to_be_visible()
