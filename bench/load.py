"""A small HTTP load generator: N concurrent connections for D seconds against one or more URLs,
printing requests/s and latency percentiles. Used by the API benchmarks in this folder.

    .venv/bin/python bench/load.py http://127.0.0.1:8000/store/products -c 64 -d 15 \
        -H "x-publishable-api-key: pk_..."
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def report(self, label: str) -> str:
        count = len(self.latencies_ms)
        rate = count / self.seconds if self.seconds else 0.0
        mean = statistics.fmean(self.latencies_ms) if count else float("nan")
        return (
            f"{label}: {count} requests in {self.seconds:.1f} s = {rate:,.0f} req/s; "
            f"latency ms p50 {self.percentile(50):.1f} p95 {self.percentile(95):.1f} "
            f"p99 {self.percentile(99):.1f} mean {mean:.1f}; statuses {self.statuses}; errors {self.errors}"
        )


async def run(urls: list[str], concurrency: int, duration: float, headers: dict[str, str]) -> Result:
    result = Result()
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                url = urls[i % len(urls)]
                i += 1
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    result.errors += 1
                    continue
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("-c", "--concurrency", type=int, default=64)
    parser.add_argument("-d", "--duration", type=float, default=10.0)
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = asyncio.run(run(args.urls, args.concurrency, args.duration, headers))
    print(result.report(", ".join(args.urls)[:80]))


if __name__ == "__main__":
    main()
