"""Helpers for the tests that force an interleaving: how many other connections wait on a lock."""

import time

from django.db import connections


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
