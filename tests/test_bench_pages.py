"""The page benchmark judges server time from the app's own histogram: its reading of `/metrics` must find the
routes whose templates carry parameters (`/shop/{slug}`), the ones every page row measures."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bench.pages import request_time_buckets, server_p95


def test_the_page_benchmark_reads_the_request_time_of_routes_with_parameters(client: TestClient) -> None:
    before = request_time_buckets(client.get("/metrics").text)
    for _ in range(3):
        assert client.get("/shop/no-such-store").status_code == 404
    after = request_time_buckets(client.get("/metrics").text)

    assert after["/shop/{slug}"][float("inf")] - before.get("/shop/{slug}", {}).get(float("inf"), 0.0) == 3
    # The busiest route in between is the page's, not the scrape's; its p95 is a bucket bound in ms.
    p95 = server_p95(before, after)
    assert p95 is not None and p95 in {bound * 1000 for bound in after["/shop/{slug}"]}
