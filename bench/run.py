"""The one benchmark command (`make bench`, `marketplace bench`): every target of docs/ARCHITECTURE.md §10,
measured in one run, printed as one table with the target beside each row.

It recreates a bench database, loads the demo's store (catalog and content), starts the API as production
would (one uvicorn worker per core, uvloop, httptools, no access log) and measures:
the bare ceiling (/health), catalog list, product detail, content reads (exact, `like` and localised),
storefront pages (when the app has `/shop/...`), checkout at 16 concurrent buyers, webhook sync latency
(bench/sync_latency.py), the commission run at 1M order lines against raw SQL / polars / DuckDB and
`dbt build` at 1M lines (bench/commission_bench.py on bench/generate.py's data), the demo's time-to-answer
(`marketplace demo` on a fresh database), and each API worker's memory after the load.

    .venv/bin/python bench/run.py                 # everything (the 1M-line rows take minutes)
    .venv/bin/python bench/run.py --quick         # the API rows only
    .venv/bin/python bench/run.py --small         # every row at a small size (a check that the command works)

Load: wrk (Debian package `wrk`) with 2 threads and 64 connections when installed, else bench/load.py; the checkout
row's completes go through wrk too (2 threads, 16 connections, bench/checkout.lua), else through 16 httpx clients.
Either way the load generator runs on the same cores as the server (this machine has no other), which the table
says, naming the generator.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import PROJECT_ROOT, Settings
from api.db import Database, DatabaseUrls
from bench.generate import SERVER_URL, database_url
from bench.load import Result
from bench.load import run as run_load
from bench.pages import page_rows

BIN = Path(sys.executable).parent
CONNECTIONS = 64
WARMUP_CARTS = 320  # completed before the timed round (see `checkout`)
BUYERS = 16


@dataclass
class Row:
    what: str
    measured: str
    target: str
    met: bool | None  # None: not measured / no verdict

    def verdict(self) -> str:
        return {True: "yes", False: "no", None: "-"}[self.met]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def recreate(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(server_url, name)


def wait_until(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


# ---- load ------------------------------------------------------------------------------------------------


@dataclass
class Load:
    rate: float
    p50: float
    p95: float
    p99: float
    non_2xx: int

    def text(self) -> str:
        bad = f", {self.non_2xx} non-2xx" if self.non_2xx else ""
        return f"{self.rate:,.0f} req/s, p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms{bad}"


# wrk's Lua `done` hook prints the percentiles it measured (microseconds) and the non-2xx count.
WRK_REPORT = """
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("REPORT %d %f %d %d %d %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), bad))
end
"""


def wrk(url: str, headers: dict[str, str], seconds: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    match = re.search(r"REPORT (\d+) ([\d.]+) (\d+) (\d+) (\d+) (\d+)", out)
    assert match, out
    requests, duration, p50, p95, p99, bad = match.groups()
    return Load(int(requests) / float(duration), int(p50) / 1000, int(p95) / 1000, int(p99) / 1000, int(bad))


def python_load(url: str, headers: dict[str, str], seconds: int) -> Load:
    result: Result = asyncio.run(run_load([url], CONNECTIONS, seconds, headers))
    bad = sum(n for status, n in result.statuses.items() if status >= 400) + result.errors
    rate = len(result.latencies_ms) / result.seconds if result.seconds else 0.0
    return Load(rate, result.percentile(50), result.percentile(95), result.percentile(99), bad)


def load(url: str, headers: dict[str, str], seconds: int) -> Load:
    return wrk(url, headers, seconds) if shutil.which("wrk") else python_load(url, headers, seconds)


# ---- checkout --------------------------------------------------------------------------------------------

CHECKOUT_LUA = Path(__file__).resolve().parent / "checkout.lua"
CHECKOUT_LIMIT_S = 120  # wrk's -d for the completes: only a limit, its threads stop when their carts are used up


async def ready_carts(base: str, key: str, region_id: str, variants: list[str], count: int) -> list[str]:
    """`count` carts ready to complete (a line, an address, the vendor's shipping), BUYERS at a time."""
    address = {"first_name": "Ada", "last_name": "Lovelace", "address_1": "1 Bench Street", "city": "Berlin",
               "postal_code": "10115", "country_code": "DE"}
    async with httpx.AsyncClient(base_url=base, headers={"x-publishable-api-key": key}, timeout=60) as client:

        async def ready(i: int) -> str:
            cart = (await client.post("/store/carts", json={"region_id": region_id, "email": f"b{i}@example.com"}))
            if cart.status_code != 201:
                raise RuntimeError(f"creating a cart answered {cart.status_code}: {cart.text[:200]}")
            cart_id: str = cart.json()["id"]
            await client.post(f"/store/carts/{cart_id}/line-items",
                              json={"variant_id": variants[i % len(variants)], "quantity": 1})
            await client.post(f"/store/carts/{cart_id}", json={"shipping_address": address})
            options = (await client.get("/store/shipping-options", params={"cart_id": cart_id})).json()
            await client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": options[0]["id"]})
            return cart_id

        carts: list[str] = []
        for start in range(0, count, BUYERS):
            carts += await asyncio.gather(*(ready(i) for i in range(start, min(count, start + BUYERS))))
    return carts


def wrk_completes(base: str, key: str, carts: list[str]) -> tuple[Load, int]:
    """Completes each cart once through wrk (bench/checkout.lua): 2 threads, BUYERS connections, each request
    with `Connection: close`, so that wrk reconnects after every answer. Returns the load and the completes
    answered; the carts not answered 200 are the failures.

    wrk runs until its -d even when all its threads have stopped (main() sleeps the whole -d; tried), and its
    own duration is that -d: each thread prints STOPPED once its last cart was answered, and the time is taken
    here, from starting wrk until the last thread's STOPPED (so it includes wrk's start, a few ms): the rate is
    the completes answered over that time. Then a SIGINT ends wrk, whose done() prints the counts and the
    latency percentiles. Those are wrk's, as in the read rows: from writing the request to the end of the answer
    (the connect is not in them), after wrk's correction for coordinated omission, which adds samples for the
    answers slower than twice the mean interval per connection (on 320 completes: 5-12% more samples, p95 up
    by 0-30 ms)."""
    threads = min(2, len(carts))
    with tempfile.NamedTemporaryFile("w", prefix="bench-carts-", suffix=".txt") as listing:
        listing.writelines(" ".join(carts[i::threads]) + "\n" for i in range(threads))  # a line per thread
        listing.flush()
        command = ["wrk", f"-t{threads}", f"-c{BUYERS}", f"-d{CHECKOUT_LIMIT_S}s", "--timeout", "60s",
                   "-s", str(CHECKOUT_LUA), "-H", f"x-publishable-api-key: {key}", "-H", "Connection: close", base]
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "BENCH_CARTS": listing.name})
        assert process.stdout is not None
        seconds = float(CHECKOUT_LIMIT_S)  # if the threads don't all stop, wrk ends at its -d
        stopped = 0
        out = ""
        for line in process.stdout:
            out += line
            if line.startswith("STOPPED"):
                stopped += 1
                if stopped == threads:
                    seconds = time.perf_counter() - began
                    process.send_signal(signal.SIGINT)
        if process.wait() != 0:
            raise RuntimeError(f"wrk exited with {process.returncode}: {out[-300:]}")
    match = re.search(r"REPORT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not match:
        raise RuntimeError(f"wrk printed no report: {out[-300:]}")
    sent, answered, ok, p50, p95, p99 = (int(n) for n in match.groups())
    if sent != len(carts):
        raise RuntimeError(f"wrk sent {sent} of {len(carts)} completes")
    return Load(answered / seconds, p50 / 1000, p95 / 1000, p99 / 1000, len(carts) - ok), answered


async def httpx_completes(base: str, key: str, carts: list[str]) -> tuple[Load, int]:
    """Completes each cart once from BUYERS concurrent httpx buyers (the fallback without wrk), each request
    with `connection: close`; the rate is the completes over the time from the first sent to the last answered."""
    queue = list(carts)
    latencies: list[float] = []
    failures = 0
    async with httpx.AsyncClient(base_url=base, headers={"x-publishable-api-key": key}, timeout=60) as client:

        async def buyer() -> None:
            nonlocal failures
            while queue:
                cart_id = queue.pop()
                began = time.perf_counter()
                answer = await client.post(f"/store/carts/{cart_id}/complete", headers={"connection": "close"})
                latencies.append((time.perf_counter() - began) * 1000)
                failures += answer.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(buyer() for _ in range(BUYERS)))
        seconds = time.perf_counter() - began
    result = Result(latencies_ms=latencies, seconds=seconds)
    return Load(len(latencies) / seconds, result.percentile(50), result.percentile(95), result.percentile(99),
                failures), len(latencies)


def checkout(base: str, key: str, region_id: str, variants: list[str], carts: int, use_wrk: bool
             ) -> tuple[Load, int]:
    """`carts` ready carts (line, address, shipping for the vendor; prepared by httpx), then completed by BUYERS
    concurrent buyers, through wrk when `use_wrk` (`wrk_completes`), else through httpx (`httpx_completes`);
    only the completes are timed. A first round of WARMUP_CARTS completes, through the same generator, is not
    timed, as every read row warms up first: the first executions of each statement on each pooled connection
    are not yet prepared (psycopg prepares a statement on its fifth run), and the first round ran at half the
    rate of the next. Each complete comes on a new connection, as from a buyer of its own: on 16 kept-alive
    connections, the share each uvicorn worker had accepted (they share one listening socket) decided the rate,
    from 45/s with all 16 on one worker to 86/s when split evenly. wrk instead of httpx: httpx took ~2 ms of
    CPU per complete, ~15% of the round's CPU on this machine, where the load generator shares the server's
    cores. Returns the timed round's load (failures: the completes not answered 200) and its completes."""
    ready = asyncio.run(ready_carts(base, key, region_id, variants, WARMUP_CARTS + carts))
    warmup, timed = ready[:WARMUP_CARTS], ready[WARMUP_CARTS:]
    if use_wrk:
        wrk_completes(base, key, warmup)
        return wrk_completes(base, key, timed)
    asyncio.run(httpx_completes(base, key, warmup))
    return asyncio.run(httpx_completes(base, key, timed))


# ---- the server ------------------------------------------------------------------------------------------


def worker_rss_mb(parent: int) -> list[float]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    pids = children.read_text().split() if children.exists() else []
    sizes = []
    for pid in pids:
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and b"resource_tracker" in cmdline.read_bytes():
            continue  # multiprocessing's helper, not a worker
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            if match:
                sizes.append(int(match.group(1)) / 1024)
    return sizes


def start_api(url: str, port: int, workers: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": data_dir, "LOG_LEVEL": "WARNING",
           "RATE_LIMIT_PER_MINUTE": "100000000", "WEB_CONCURRENCY": str(workers),
           "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-metrics-")}
    env.pop("COMMERCE_DATABASE_URL", None)
    env.pop("CONTENT_DATABASE_URL", None)
    return subprocess.Popen(
        [str(BIN / "uvicorn"), "api.main:app", "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
         "--timeout-worker-healthcheck", "60"],
        env=env, cwd=PROJECT_ROOT,
    )


def demo_time_to_answer(server_url: str, name: str) -> float | None:
    """`marketplace demo --skip-pipelines` on a fresh database: seconds until its API answered (as printed)."""
    url = recreate(server_url, name)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": data_dir, "API_PORT": str(free_port()),
               "DAGSTER_PORT": str(free_port()), "LOG_LEVEL": "WARNING"}
        process = subprocess.Popen([str(BIN / "marketplace"), "demo", "--skip-pipelines"], env=env, cwd=PROJECT_ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        answered = None
        deadline = time.monotonic() + 600
        assert process.stdout is not None
        for line in process.stdout:
            match = re.search(r"API answering ([\d.]+) s after start", line)
            if match:
                answered = float(match.group(1))
                break
            if time.monotonic() > deadline:
                break
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    return answered


def run_script(args: list[str]) -> str:
    done = subprocess.run([str(BIN / "python"), *args], capture_output=True, text=True, cwd=PROJECT_ROOT)
    return done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-url", default=SERVER_URL)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each HTTP load")
    # About three seconds of completes: a round of 320 (one second) moved by tens a second with one pause of a
    # worker or of PostgreSQL in it.
    parser.add_argument("--carts", type=int, default=960, help="checkouts measured")
    parser.add_argument("--quick", action="store_true", help="only the API rows (no 1M-line, sync or demo rows)")
    parser.add_argument("--lines", type=int, default=1_000_000, help="order lines of the commission and dbt rows")
    parser.add_argument("--sync-changes", type=int, default=100, help="changes timed by the webhook sync row")
    parser.add_argument("--small", action="store_true",
                        help="every row at a small size: 2 s loads, 32 checkouts, 20,000 lines, 10 sync changes")
    parser.add_argument("--database", default="marketplace_bench",
                        help="name of the 1M-line database; the API and demo rows use <name>_api and <name>_demo")
    args = parser.parse_args()
    if args.small:
        args.seconds, args.carts, args.lines, args.sync_changes = 2, 32, 20_000, 10
    lines = f"{args.lines / 1e6:g}M" if args.lines >= 1_000_000 else f"{args.lines:,}"
    workers = os.cpu_count() or 1
    # The bench's own sync receivers listen on loopback: let the internal webhooks reach them (as the demo does).
    os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    load_average = os.getloadavg()[0]
    rows: list[Row] = []

    from api.seed import seed_foundation

    url = recreate(args.server_url, f"{args.database}_api")
    data_dir = tempfile.mkdtemp(prefix="bench-")
    settings = Settings(database_url=url, data_dir=Path(data_dir), _env_file=None)
    from api import migrate

    urls = DatabaseUrls(commerce=url, content=url)
    migrate.upgrade(urls)
    database = Database(urls, settings)
    credentials = seed_foundation(database, settings, lambda _: None)
    database.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = start_api(url, port, workers, data_dir)
    use_wrk = shutil.which("wrk") is not None
    generator = "wrk -t2 -c64" if use_wrk else "bench/load.py (asyncio, 64 connections)"
    checkout_generator = f"wrk -t2 -c{BUYERS}" if use_wrk else f"httpx, {BUYERS} clients"
    try:
        assert wait_until(f"{base}/health", 180), "the API did not start"
        key = {"x-publishable-api-key": credentials.publishable_key}
        # The first answers of each worker are slow on a loaded machine (imports, first connections).
        regions = httpx.get(f"{base}/store/regions", headers=key, timeout=120).json()
        region = next(r for r in regions if r["currency_code"] == "EUR")
        page = httpx.get(f"{base}/store/products", params={"limit": 50, "region_id": region["id"]}, headers=key,
                         timeout=120).json()
        handle = page["items"][0]["handle"]
        variants = [v["id"] for p in page["items"] for v in p["variants"]]

        health = load(f"{base}/health", {}, args.seconds)
        rows.append(Row("/health (bare ceiling)", health.text(), "-", None))
        half = health.rate / 2

        def read_row(what: str, path: str, headers: dict[str, str]) -> None:
            httpx.get(base + path, headers=headers, timeout=120)  # warm (the previous row's backlog may still drain)
            result = load(base + path, headers, args.seconds)
            met = result.rate >= half and result.p95 < 50 and result.non_2xx == 0
            rows.append(Row(what, result.text(), f">= {half:,.0f} req/s (half of /health), p95 < 50 ms", met))

        read_row("catalog list (/store/products, 20, EUR region)",
                 f"/store/products?limit=20&region_id={region['id']}", key)
        read_row("product detail (/store/products/{handle})", f"/store/products/{handle}?region_id={region['id']}",
                 key)
        read_row("content read (/api/pages?where[slug][equals]=home&depth=1)",
                 "/api/pages?where%5Bslug%5D%5Bequals%5D=home&depth=1", {})
        read_row("content `like` read (/api/pages?where[title][like]=home)",
                 "/api/pages?where%5Btitle%5D%5Blike%5D=home", {})
        read_row("content localised read (/api/pages?where[slug][equals]=home&locale=de&depth=1)",
                 "/api/pages?where%5Bslug%5D%5Bequals%5D=home&locale=de&depth=1", {})

        rows += [Row(*row) for row in page_rows(base, load, args.seconds, seed_url=url)]  # bench/pages.py

        try:
            result, done = checkout(base, credentials.publishable_key, region["id"], variants, args.carts, use_wrk)
            rows.append(Row(f"checkout (complete, {BUYERS} concurrent buyers, {done} orders, {checkout_generator})",
                            f"{result.rate:,.0f} completes/s, p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms"
                            + (f", {result.non_2xx} failed" if result.non_2xx else ""),
                            ">= 300/s, p95 < 150 ms", result.rate >= 300 and result.p95 < 150 and not result.non_2xx))
        except (RuntimeError, httpx.HTTPError) as exc:
            rows.append(Row(f"checkout (complete, {BUYERS} concurrent buyers, {checkout_generator})", f"failed: {exc}",
                            ">= 300/s, p95 < 150 ms", False))
        sizes = worker_rss_mb(api.pid)
    finally:
        api.terminate()
        api.wait(30)

    if args.quick:
        for what, target in (("webhook sync latency", "p95 < 1 s"),
                             ("commission run, 1M lines", "<= 2x the fastest plain engine"),
                             ("dbt build, 1M lines", "<= 60 s"), ("demo time-to-answer", "<= 60 s")):
            rows.append(Row(what, "skipped (--quick)", target, None))
    else:
        # On a database of its own: the store's seed points the internal subscriptions at another port.
        os.environ["DATABASE_URL"] = recreate(args.server_url, f"{args.database}_sync")
        out = run_script(["bench/sync_latency.py", "-n", str(args.sync_changes), "--timeout", "5"])
        match = re.search(r"p95 (\d+) ms", out)
        p95 = int(match.group(1)) if match else None
        rows.append(Row(f"webhook sync latency (commit -> visible in content, {args.sync_changes} changes)",
                        f"p95 {p95} ms" if p95 is not None else "failed: " + out[-200:], "p95 < 1 s",
                        p95 is not None and p95 < 1000))
        run_script(["bench/generate.py", "--server-url", args.server_url, "--database", args.database,
                    "--lines", str(args.lines)])
        out = run_script(["bench/commission_bench.py", "--server-url", args.server_url, "--database", args.database])
        ratio = re.search(r"fastest plain engine: ([\d.]+)x", out)
        fastest = min((float(m) for m in re.findall(r"\|\s+[\d.]+\s+\|\s+[\d.]+\s+\|\s+([\d.]+)\s+\| yes", out)),
                      default=None)
        run = re.search(r"commission run \(.*?\|\s+\|\s+([\d.]+)", out)
        rows.append(Row(f"commission run, {lines} lines (vs raw SQL / polars / DuckDB)",
                        f"{run.group(1) if run else '?'} s = {ratio.group(1) if ratio else '?'}x the fastest "
                        f"({fastest} s)", "<= 2x the fastest plain engine",
                        bool(ratio) and float(ratio.group(1)) <= 2 if ratio else None))
        dbt = re.search(r"dbt build: ([\d.]+) s \(exit (\d+)\)", out)
        rows.append(Row(f"dbt build, all models, {lines} lines",
                        f"{dbt.group(1)} s (exit {dbt.group(2)})" if dbt else "failed", "<= 60 s",
                        bool(dbt) and float(dbt.group(1)) <= 60 and dbt.group(2) == "0" if dbt else None))
        answered = demo_time_to_answer(args.server_url, f"{args.database}_demo")
        rows.append(Row("demo time-to-answer (`marketplace demo`, fresh database)",
                        f"{answered:.0f} s" if answered is not None else "did not answer", "<= 60 s",
                        answered is not None and answered <= 60))
    rows.append(Row(f"memory per API worker after the load ({len(sizes)} workers)",
                    ", ".join(f"{s:.0f} MB" for s in sizes) or "?", "< 300 MB RSS",
                    bool(sizes) and max(sizes) < 300))

    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print()
    print(f"Benchmark of {today} on {platform.node()}: {os.cpu_count()} cores, load average {load_average:.1f} "
          f"at start; {workers} uvicorn workers (uvloop, httptools); load from {generator} (checkout: "
          f"{checkout_generator}, a new connection per complete) on the same cores; "
          f"{args.seconds} s per HTTP row; demo store data.")
    print()
    width = max(len(r.what) for r in rows)
    print(f"| {'what':<{width}} | measured | target | met |")
    print(f"| {'-' * width} | --- | --- | --- |")
    for row in rows:
        print(f"| {row.what:<{width}} | {row.measured} | {row.target} | {row.verdict()} |")


if __name__ == "__main__":
    main()
