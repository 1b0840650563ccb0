"""The load generator: replays a fixed list of requests at a fixed concurrency and measures them.

Runs in its own process (bench/run.py starts it), so the client never shares an interpreter
with the server. Usage: `python bench/load.py BASE_URL[,BASE_URL…] SPEC.json OUT.json`, where
the spec is {"concurrency": n, "warmup": [...], "requests": [...]} and each request is
[method, path, headers, body-or-null]. Warm-up requests run first and are not measured. With
several base URLs (two web nodes), the requests go to them in turn (round robin). The output is
the summary (`summarize`) and the raw latencies in seconds.
"""

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import httpx


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def _replay(clients: list[httpx.AsyncClient], requests: list, concurrency: int) -> tuple:
    queue = iter(enumerate(requests))
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def worker() -> None:
        for index, (method, path, headers, body) in queue:
            client = clients[index % len(clients)]
            started = time.perf_counter()
            try:
                response = await client.request(method, path, headers=headers, content=body)
                statuses[str(response.status_code)] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses


def summarize(latencies: list[float], seconds: float, statuses: dict, concurrency: int) -> dict:
    """req/s and latency percentiles (ms) of measured requests; bench/run.py also calls it on the
    latencies of a scenario's chunks put together."""
    ordered = sorted(latencies)
    ms = 1000.0
    return {
        "requests": len(ordered),
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "rps": round(len(ordered) / seconds, 1),
        "mean_ms": round(statistics.fmean(ordered) * ms, 2),
        "p50_ms": round(percentile(ordered, 0.50) * ms, 2),
        "p95_ms": round(percentile(ordered, 0.95) * ms, 2),
        "p99_ms": round(percentile(ordered, 0.99) * ms, 2),
        "statuses": dict(statuses),
    }


async def run(base_urls: list[str], spec: dict) -> dict:
    concurrency = spec["concurrency"]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [httpx.AsyncClient(base_url=url, limits=limits, timeout=30) for url in base_urls]
    try:
        if spec.get("warmup"):
            await _replay(clients, spec["warmup"], concurrency)
        seconds, latencies, statuses = await _replay(clients, spec["requests"], concurrency)
    finally:
        for client in clients:
            await client.aclose()
    # The raw latencies too: run.py puts a scenario's chunks together (and drops them after).
    return {**summarize(latencies, seconds, statuses, concurrency), "latencies": latencies}


def main() -> None:
    base_url, spec_path, out_path = sys.argv[1:4]
    spec = json.loads(Path(spec_path).read_text())
    result = asyncio.run(run(base_url.split(","), spec))
    Path(out_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
