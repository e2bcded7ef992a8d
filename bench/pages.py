"""Server-rendered page benchmark (target: pages p95 < 100 ms): requests/s and latency p50/p95/p99 of a
store's home, product listing and product page at 64 connections, next to `/health` in the same run.

    DATABASE_URL=... .venv/bin/marketplace seed
    DATABASE_URL=... RATE_LIMIT_PER_MINUTE=100000000 .venv/bin/uvicorn api.main:app --workers 2 --no-access-log &
    .venv/bin/python bench/pages.py http://127.0.0.1:8000            # picks the first store and product

Uses wrk (Debian package `wrk`) with a small Lua script for the percentiles when installed, else
bench/load.py. Every answer must be 200: other statuses are reported and fail the run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d %d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
"""


def discover(base: str) -> tuple[str, str]:
    """The first store on the landing page and the first product of its listing."""
    landing = httpx.get(base + "/", timeout=30).text
    store = re.search(r'href="(/shop/[a-z0-9-]+)"', landing)
    if store is None:
        sys.exit("no store on the landing page: seed the demo data first")
    listing = httpx.get(base + store.group(1) + "/products", timeout=30).text
    product = re.search(r'href="(/shop/[a-z0-9-]+/products/[a-z0-9-]+)"', listing)
    if product is None:
        sys.exit("the store lists no product")
    return store.group(1), product.group(1)


def run_wrk(url: str, connections: int, seconds: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url],
        capture_output=True, text=True, check=True,
    ).stdout
    Path(script.name).unlink()
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\d+) (\d+)", out)
    if match is None:
        raise RuntimeError(out)
    rps, p50, p95, p99, bad, total = match.groups()
    return f"{float(rps):9.1f} req/s  p50 {p50:>8} ms  p95 {p95:>8} ms  p99 {p99:>8} ms  non-2xx {bad}/{total}"


def run_python(url: str, connections: int, seconds: int) -> str:
    here = Path(__file__).resolve().parent
    return subprocess.run(
        [sys.executable, str(here / "load.py"), url, "-c", str(connections), "-d", str(seconds)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the API's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-d", "--seconds", type=int, default=10)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    store, product = discover(base)
    pages = [
        ("/health (bare endpoint)", "/health"),
        ("store home", store),
        ("product listing", store + "/products"),
        ("product page", product),
    ]
    runner = run_wrk if shutil.which("wrk") else run_python
    print(f"{args.connections} connections, {args.seconds} s each, {'wrk' if runner is run_wrk else 'load.py'}")
    for label, path in pages:
        assert httpx.get(base + path, timeout=30).status_code == 200, path
        print(f"{label:<24} {path:<48} {runner(base + path, args.connections, args.seconds)}")


if __name__ == "__main__":
    main()
