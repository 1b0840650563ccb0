"""`make bench`: the load benchmark of Linkgate against its own floor and against django-sesame.

Steps: reset a database of its own (linkgate_bench) and a Redis DB of its own (9), apply the
migrations, seed, start the app under gunicorn (2 sync workers) with bench.settings, then for
each scenario start bench/load.py in a separate process that replays a fixed list of requests
at a fixed concurrency. Prints the table and the ratios, writes bench/results.json and draws
bench/report.png. `--growth` then inserts 1,000,000 links and 1,000,000 audit events and
measures issue and redeem again. See docs/performance.md.
"""

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import redis

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import cpu, growth, load, report  # noqa: E402

PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linkgate_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# CSRF: the redeem POST carries a cookie and a matching form token, as a browser does after the
# confirmation page; the GET itself is not measured (sesame's peer view has no such page).
CSRF = secrets.token_hex(16)
STEAL_RERUN_PCT = 5.0  # a run with more CPU steal than this is not to be quoted (issue 13)
SCENARIOS = ("baseline", "issue", "generate_link", "redeem", "peer")
TWO_NODE_SCENARIOS = ("baseline", "issue", "generate_link", "redeem")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "JWT_SECRET": "bench-jwt-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_MANIFEST": "false",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
        # Production recycles connections after 60 s; a backend that exits inside a measured
        # window takes its CPU counters with it (bench/cpu.py), so the bench keeps them longer.
        "CONN_MAX_AGE": "3600",
        "PYTHONPATH": str(ROOT),
    }


def reset_stores() -> None:
    parts = urlsplit(DB_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def seed(env: dict, what: str, count: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [PY, str(HERE / "seed.py"), what, str(count), out.name], cwd=ROOT, env=env, check=True
        )
        return json.loads(Path(out.name).read_text())


def settle() -> None:
    """After seeding: VACUUM ANALYZE and a CHECKPOINT, so the measured requests do not pay for
    the seed (the first read of a new row sets its hint bits, the first change of a page after
    a checkpoint writes the whole page to the WAL). Without it the redeem, whose rows were all
    seeded seconds before, showed 2-4 times its PostgreSQL CPU of a settled run."""
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-tmp-dir",
            "/dev/shm",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/bench/ping", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def json_post(path: str, headers: dict, body: dict) -> list:
    return ["POST", path, {**headers, "Content-Type": "application/json"}, json.dumps(body)]


def requests_for(scenario: str, data: dict, count: int, offset: int = 0) -> list:
    """The fixed list of requests for one scenario (each link and token used exactly once)."""
    partner = {"Authorization": f"Bearer {data.get('partner_key')}"}
    service = {
        "Authorization": f"Bearer {data.get('service_key')}",
        "apikey": str(data.get("service_key")),
        "X-Supabase-Api-Version": "2024-01-01",
    }
    out = []
    for i in range(offset, offset + count):
        if scenario == "baseline":
            out.append(json_post("/bench/baseline", partner, {"n": i}))
        elif scenario == "issue":
            account = data["accounts"][i % len(data["accounts"])]
            out.append(
                json_post(
                    f"/v1beta/accounts/{account}/login-link", partner, {"send_notification": False}
                )
            )
        elif scenario == "generate_link":
            email = data["emails"][i % len(data["emails"])]
            out.append(
                json_post(
                    "/auth/v1/admin/generate_link",
                    service,
                    {
                        "type": "magiclink",
                        "email": email,
                        "password": None,
                        "new_email": None,
                        "data": None,
                    },
                )
            )
        elif scenario == "redeem":
            out.append(
                [
                    "POST",
                    f"/auth/partner-login/{data['link_secrets'][i]}",
                    {
                        "Cookie": f"csrftoken={CSRF}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                    f"csrfmiddlewaretoken={CSRF}",
                ]
            )
        elif scenario == "peer":
            out.append(["GET", f"/bench/sesame/?sesame={data['sesame_tokens'][i]}", {}, None])
    return out


def _load(ports: list[int], spec: dict) -> dict:
    bases = ",".join(f"http://127.0.0.1:{port}" for port in ports)
    with tempfile.TemporaryDirectory() as tmp:
        spec_path, out_path = Path(tmp, "spec.json"), Path(tmp, "out.json")
        spec_path.write_text(json.dumps(spec))
        subprocess.run(
            [PY, str(HERE / "load.py"), bases, str(spec_path), str(out_path)], check=True
        )
        return json.loads(out_path.read_text())


def _report(label: str, result: dict) -> None:
    spread = result.get("cpu_ms_per_chunk", [])
    chunks = f"  (chunks {min(spread):.2f}–{max(spread):.2f})" if len(spread) > 1 else ""
    print(
        f"  {label:<22}{result['rps']:>8.1f} req/s  p99 {result['p99_ms']:.1f} ms"
        f"  cpu {result['cpu_ms_per_request']:.2f} ms/req (web {result['web_cpu_ms_per_request']}"
        f" + db {result['db_cpu_ms_per_request']}){chunks}  steal {result['steal_pct']} %"
        f"  busy {result['machine_busy_pct']} %  {result['statuses']}",
        flush=True,
    )
    if result["lost_processes"]:
        print(f"  {result['lost_processes']} process(es) exited in the window: CPU undercounted")
    if result["steal_pct"] and result["steal_pct"] > STEAL_RERUN_PCT:
        print(f"  steal above {STEAL_RERUN_PCT} %: run again", flush=True)


def _warm_up(ports: list[int], scenario: str, data: dict, args, concurrency: int) -> None:
    warmup = requests_for(scenario, data, args.warmup)
    _load(ports, {"concurrency": concurrency, "warmup": [], "requests": warmup})


def _measured_chunk(
    ports: list[int], requests: list, servers: list, concurrency: int
) -> tuple[dict, dict]:
    """Replay `requests` with the server CPU sampled over exactly that window (bench/cpu.py)."""
    sampler = cpu.Sampler([server.pid for server in servers], DB_URL)
    sampler.start()
    loaded = _load(ports, {"concurrency": concurrency, "warmup": [], "requests": requests})
    return loaded, sampler.stop()


def _combined(chunks: list[tuple[dict, dict]], concurrency: int, nodes: int) -> dict:
    """One scenario's figures over its chunks: requests, seconds and CPU added up, the latency
    percentiles over every request."""
    statuses = sum((Counter(loaded["statuses"]) for loaded, _ in chunks), Counter())
    result = load.summarize(
        [latency for loaded, _ in chunks for latency in loaded["latencies"]],
        sum(loaded["seconds"] for loaded, _ in chunks),
        statuses,
        concurrency,
    )
    result.update(cpu.figures([window for _, window in chunks], result["requests"]))
    if len(chunks) > 1:
        result["cpu_ms_per_chunk"] = [
            round((w["web_s"] + w["db_s"]) * 1000 / loaded["requests"], 2) for loaded, w in chunks
        ]
    result["nodes"] = nodes
    return result


def measure(
    ports: list[int],
    scenario: str,
    data: dict,
    args,
    servers: list,
    *,
    concurrency: int | None = None,
    label: str | None = None,
) -> dict:
    """One scenario on its own: warm up (unmeasured), then the measured requests in one window."""
    concurrency = concurrency or args.concurrency
    _warm_up(ports, scenario, data, args, concurrency)
    requests = requests_for(scenario, data, args.requests, offset=args.warmup)
    chunk = _measured_chunk(ports, requests, servers, concurrency)
    result = _combined([chunk], concurrency, len(ports))
    _report(label or scenario, result)
    return result


def measure_round(port: int, data: dict, args, servers: list) -> dict:
    """Every scenario, taking turns: each scenario's measured requests are cut into
    `args.chunks` chunks and the scenarios run chunk by chunk, in an order rotated at each
    chunk. A machine whose speed drifts during the round (seen here: the same scenario 20-50 %
    apart a minute later, with no steal reported) then slows every scenario alike, so the
    ratios compare the paths and not the minute each one ran in."""
    ports, concurrency = [port], args.concurrency
    for scenario in SCENARIOS:
        _warm_up(ports, scenario, data, args, concurrency)
    size = -(-args.requests // args.chunks)
    chunks: dict[str, list] = {scenario: [] for scenario in SCENARIOS}
    for number, first in enumerate(range(0, args.requests, size)):
        turn = number % len(SCENARIOS)
        for scenario in SCENARIOS[turn:] + SCENARIOS[:turn]:
            requests = requests_for(
                scenario, data, min(size, args.requests - first), offset=args.warmup + first
            )
            chunks[scenario].append(_measured_chunk(ports, requests, servers, concurrency))
    results = {}
    for scenario in SCENARIOS:
        results[scenario] = _combined(chunks[scenario], concurrency, 1)
        _report(scenario, results[scenario])
    return results


def measure_two_nodes(env: dict, port: int, data: dict, args, servers: list) -> dict:
    """A second gunicorn (2 sync workers, same settings, same PostgreSQL and Redis) on another
    port; each scenario measured on one node at the usual concurrency and on both (round robin)
    at twice the concurrency, so each node sees the same load per worker."""
    second_port = free_port()
    servers.append(start_server(env, second_port))
    out: dict = {}
    print(f"== two nodes: ports {port} and {second_port}", flush=True)
    for scenario in TWO_NODE_SCENARIOS:
        data.update(seed(env, "links", 2 * (args.requests + args.warmup)))
        settle()
        one = measure([port], scenario, data, args, servers[:1], label=f"{scenario} 1 node")
        if scenario == "redeem":  # every link is used once: the second run needs fresh ones
            data.update(seed(env, "links", args.requests + args.warmup))
        two = measure(
            [port, second_port],
            scenario,
            data,
            args,
            servers,
            concurrency=2 * args.concurrency,
            label=f"{scenario} 2 nodes",
        )
        out[scenario] = {
            "one_node": one,
            "two_nodes": two,
            "scaling": round(two["rps"] / one["rps"], 2),
        }
    return out


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with psycopg.connect(DB_URL) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
        "kernel": platform.release(),
    }


def _stop_on_sigterm(signum, frame) -> None:
    # Turn SIGTERM (e.g. `timeout`) into SystemExit so the `finally` below stops gunicorn.
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests first")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--growth", action="store_true", help="then grow to 1M links/events")
    parser.add_argument("--growth-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--two-nodes",
        action="store_true",
        help="then start a second gunicorn and measure 1 node against 2 (round robin)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="scenario rounds (alternating)")
    parser.add_argument(
        "--chunks", type=int, default=4, help="chunks per scenario and round, taking turns"
    )
    args = parser.parse_args()
    started = time.monotonic()
    port = free_port()
    env = server_env(port)
    print(f"== resetting {urlsplit(DB_URL).path.lstrip('/')} and {REDIS_URL}", flush=True)
    reset_stores()
    manage(env, "migrate", "--run-syncdb", "--noinput", "-v", "0")
    print("== seeding", flush=True)
    data = seed(env, "base", args.accounts)
    data.update(seed(env, "links", args.requests + args.warmup))
    settle()
    server = start_server(env, port)
    servers = [server]
    results: dict = {}
    rounds: list[dict] = []
    growth_info: dict = {}
    two_nodes: dict = {}
    try:
        print(
            f"== load: {args.requests} requests per scenario in {args.chunks} chunks taking turns,"
            f" concurrency {args.concurrency}"
        )
        for round_no in range(args.rounds):
            if round_no:
                data.update(seed(env, "links", args.requests + args.warmup))
                settle()
            rounds.append(measure_round(port, data, args, servers))
        results.update(rounds[0])
        if args.two_nodes:
            two_nodes = measure_two_nodes(env, port, data, args, servers)
        if args.growth:
            print(f"== growth: inserting {args.growth_rows:,} links and events", flush=True)
            growth_info = growth.grow(
                urlsplit(DB_URL)._replace(scheme="postgresql").geturl(), args.growth_rows
            )
            print(f"  {growth_info}", flush=True)
            data.update(seed(env, "links", args.requests + args.warmup))
            settle()
            for scenario in ("issue", "redeem"):
                results[f"{scenario}@grown"] = measure([port], scenario, data, args, servers)
            growth_info["ratios"] = {
                name: round(results[f"{name}@grown"]["rps"] / results[name]["rps"], 2)
                for name in ("issue", "redeem")
            }
    finally:
        for running in servers:
            running.terminate()
            running.wait(timeout=30)
    ratio_values = report.ratios(results)
    print()
    print(report.table(results, ratio_values))
    for round_no, this_round in enumerate(rounds[1:], start=2):
        print(f"\nround {round_no}:")
        print(report.table(this_round, report.ratios(this_round)))
    if two_nodes:
        print()
        print(report.two_node_table(two_nodes))
    if growth_info:
        print(f"\ngrowth (target ≥ 0.9 of empty): {growth_info['ratios']}")
    out = {
        "machine": machine(),
        "settings": {
            "requests": args.requests,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "gunicorn_workers": 2,
            "accounts": args.accounts,
            "chunks": args.chunks,
        },
        "results": results,
        "ratios": ratio_values,
        "rounds": [{"results": r, "ratios": report.ratios(r)} for r in rounds],
        "two_nodes": two_nodes,
        "growth": growth_info,
        "duration_s": round(time.monotonic() - started, 1),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (HERE / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    report.picture(
        results,
        ratio_values,
        HERE / "report.png",
        f"Linkgate bench: {out['machine']['cores']} cores, concurrency "
        f"{args.concurrency}, {args.requests} requests per scenario",
    )
    print(f"\nwrote bench/results.json and bench/report.png in {out['duration_s']} s")


if __name__ == "__main__":
    main()
