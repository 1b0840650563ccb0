"""Count Redis round trips: every `send_packed_command` of redis-py is one request written to
the server and answered (a pipeline writes all its commands in one; a script is one EVALSHA).
Used by the tests that pin how many round trips a request costs."""

import contextlib
from collections.abc import Iterator

from redis.connection import AbstractConnection


class RoundTrips:
    def __init__(self) -> None:
        self.count = 0


@contextlib.contextmanager
def counting_round_trips() -> Iterator[RoundTrips]:
    trips = RoundTrips()
    original = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        trips.count += 1
        return original(self, command, check_health)

    AbstractConnection.send_packed_command = counted
    try:
        yield trips
    finally:
        AbstractConnection.send_packed_command = original
