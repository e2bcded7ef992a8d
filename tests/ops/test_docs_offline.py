"""/docs and /redoc render in headless Chromium with every request off this machine refused."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from tests.ops.conftest import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def test_docs_and_redoc_render_without_network(app: FastAPI) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    with serve(app) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()

        def only_loopback(route: object, request: object) -> None:
            url = request.url  # type: ignore[attr-defined]
            if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
                route.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", only_loopback)

        page.goto(f"{base}/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=120_000)
        assert page.locator(".swagger-ui .opblock").count() > 50
        assert "Marketplace API" in page.locator(".swagger-ui .title").inner_text()

        page.goto(f"{base}/redoc")
        page.wait_for_selector("[role=menuitem], .menu-content li", timeout=120_000)
        assert "Marketplace API" in page.locator("h1").first.inner_text()
        assert page.get_by_text("/store/products").count() > 0
        browser.close()
    assert outside == []
