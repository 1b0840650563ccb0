"""In-process profile of the hot paths: statements, commits, savepoints, Redis commands and
Python CPU per request, optionally with cProfile.

`python bench/profile_paths.py [--requests N] [--cprofile SCENARIO]` resets the bench database and
Redis DB (BENCH_DATABASE_URL, BENCH_REDIS_URL, as bench/run.py), seeds them, then replays each
scenario's requests (the same lists bench/run.py sends) through Django's test client in this
process under bench.settings, with CSRF checks on. No HTTP server and no load generator: the CPU
figure is this process's own (Python) time per request, PostgreSQL's backend time is not in it.
Counts per request: SQL statements (Django's execute wrapper), COMMITs (atomic blocks that
commit, plus statements run in autocommit, each its own transaction), savepoints, and the
commands and round trips redis-py sends (tests/redis_counting.py).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402

SCENARIOS = ("baseline", "issue", "generate_link", "redeem", "peer")


class Counts:
    def __init__(self) -> None:
        self.statements = self.commits = self.savepoints = 0
        self.sql: list[str] = []


def _instrument(counts: Counts):
    from django.db import connection

    def wrapper(execute, sql, params, many, context):
        counts.statements += 1
        counts.sql.append(sql)
        if not connection.in_atomic_block:
            counts.commits += 1  # autocommit: the statement is its own transaction
        return execute(sql, params, many, context)

    commit, savepoint = connection._commit, connection._savepoint

    def counting_commit():
        counts.commits += 1
        return commit()

    def counting_savepoint(sid):
        counts.savepoints += 1
        return savepoint(sid)

    connection._commit, connection._savepoint = counting_commit, counting_savepoint
    return connection.execute_wrapper(wrapper)


def replay(client, requests: list) -> list:
    out = []
    for method, path, headers, body in requests:
        headers = dict(headers)
        extra = {"REMOTE_ADDR": "127.0.0.1"}
        cookie = headers.pop("Cookie", None)
        if cookie:
            name, _, value = cookie.partition("=")
            client.cookies[name] = value
        content_type = headers.pop("Content-Type", None)
        kwargs = {"headers": headers, **extra}
        if method == "GET":
            response = client.get(path, **kwargs)
        else:
            response = client.generic(
                method, path, body or "", content_type=content_type or "", **kwargs
            )
        client.cookies.pop("sessionid", None)  # every request a new visitor, as the load driver
        out.append(response.status_code)
    return out


def _print_plans() -> None:
    """This connection's prepared statements (psycopg prepares a statement on its fifth run):
    how often PostgreSQL planned each afresh (custom) or reused its generic plan."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans, left(regexp_replace(statement, '\\s+', ' ',"
            " 'g'), 110) FROM pg_prepared_statements ORDER BY custom_plans DESC LIMIT 8"
        )
        for generic, custom, statement in cursor.fetchall():
            print(f"      generic {generic:>6}  custom {custom:>6}  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=400)
    parser.add_argument("--cprofile", choices=SCENARIOS, action="append", default=[])
    parser.add_argument("--sql", action="store_true", help="print one request's statements")
    parser.add_argument(
        "--plans", action="store_true", help="print the prepared statements' plan counts"
    )
    parser.add_argument(
        "--only", choices=SCENARIOS, action="append", help="replay these scenarios only"
    )
    args = parser.parse_args()
    env = run.server_env(8000)
    run.reset_stores()
    run.manage(env, "migrate", "--run-syncdb", "--noinput", "-v", "0")
    data = run.seed(env, "base", args.accounts)
    data.update(run.seed(env, "links", args.requests + args.warmup))
    os.environ.update(env)

    import django

    django.setup()
    from django.test import Client

    from tests.redis_counting import count_redis

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    print(
        f"{'scenario':<15}{'stmts':>7}{'commits':>8}{'savepts':>8}{'redis':>7}{'rtt':>5}"
        f"{'cpu ms':>8}  statuses"
    )
    for scenario in args.only or SCENARIOS:
        replay(client, run.requests_for(scenario, data, args.warmup))
        requests = run.requests_for(scenario, data, args.requests, offset=args.warmup)
        counts = Counts()
        profiler = cProfile.Profile(time.process_time) if scenario in args.cprofile else None
        with _instrument(counts), count_redis() as sent:
            started = time.process_time()
            if profiler:
                profiler.enable()
            statuses = replay(client, requests)
            if profiler:
                profiler.disable()
            cpu = time.process_time() - started
        n = len(requests)
        print(
            f"{scenario:<15}{counts.statements / n:>7.2f}{counts.commits / n:>8.2f}"
            f"{counts.savepoints / n:>8.2f}{len(sent.commands) / n:>7.2f}"
            f"{sent.round_trips / n:>5.1f}{cpu * 1000 / n:>8.2f}  {sorted(set(statuses))}"
            f"  {sorted(set(sent.commands))}",
            flush=True,
        )
        if args.sql:
            per = counts.statements // n
            for sql in counts.sql[:per]:
                print("      ", sql[:160])
        if args.plans:
            _print_plans()
        if profiler:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(
                os.environ.get("PROFILE_FILTER", ""), int(os.environ.get("PROFILE_LINES", "45"))
            )
            print(text.getvalue())


if __name__ == "__main__":
    main()
