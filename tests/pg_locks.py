"""Helpers for the tests that force an interleaving: how many other connections wait on a lock."""

import threading
import time
from collections.abc import Callable

from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext


def waiting_for_locks() -> int:
    """Connections to this database, other than the default one, waiting on a lock now."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_until_waiting(count: int, what: str = "the thread") -> None:
    """Return once `count` other connections wait on a lock (fail after 10 s)."""
    deadline = time.monotonic() + 10
    while waiting_for_locks() < count:
        assert time.monotonic() < deadline, f"{what} never queued on the lock"
        time.sleep(0.02)


def while_held(hold: Callable[[], object], then: Callable[[], object]) -> dict:
    """Run `hold` in a transaction on a thread of its own; once it is done (still open), start
    `then` on another thread, wait until it queues on a lock, commit `hold`, return both."""
    results: dict = {}
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                results["held"] = hold()
                holding.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    def waiter() -> None:
        try:
            with CaptureQueriesContext(connection) as ctx:
                results["then"] = then()
            results["statements"] = [query["sql"] for query in ctx.captured_queries]
        except BaseException as exc:  # inspected by the test
            results["then"] = exc
        finally:
            connection.close()

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(timeout=10)
    second = threading.Thread(target=waiter)
    second.start()
    wait_until_waiting(1, "`then`")
    release.set()
    first.join(timeout=20)
    second.join(timeout=20)
    return results
