"""Count the commands and round trips redis-py sends, for tests that pin a path's Redis cost.

Usage::

    with count_redis() as sent:
        client.post(...)
    assert sent.commands == ["EVALSHA", "EVALSHA"]
    assert sent.round_trips == 2

redis-py sends a single command through `Connection.send_command` and a pipeline (or a
transaction) as one `send_packed_command` of `Connection.pack_commands(...)`; the wrapper patches
those two methods of the connection class every pool uses, so it sees every command of every
client (the cache's, the rate limits', Celery's), in this thread and others. The commands a new
connection sends to set itself up (HELLO, CLIENT SETINFO) count too: warm the path up first.
"""

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from redis.connection import AbstractConnection


@dataclass
class SentCommands:
    """What was sent while the context was open: command names in order, and round trips."""

    commands: list[str] = field(default_factory=list)
    round_trips: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _add(self, names: list[str]) -> None:
        with self._lock:
            self.commands.extend(names)
            self.round_trips += 1


def _name(args: tuple) -> str:
    first = args[0]
    return (first.decode() if isinstance(first, bytes) else str(first)).split(" ")[0].upper()


@contextlib.contextmanager
def count_redis() -> Iterator[SentCommands]:
    sent = SentCommands()
    send_command = AbstractConnection.send_command
    pack_commands = AbstractConnection.pack_commands

    def counting_send_command(self, *args, **kwargs):
        sent._add([_name(args)])
        return send_command(self, *args, **kwargs)

    def counting_pack_commands(self, commands):
        commands = list(commands)
        sent._add([_name(args) for args in commands])
        return pack_commands(self, commands)

    AbstractConnection.send_command = counting_send_command
    AbstractConnection.pack_commands = counting_pack_commands
    try:
        yield sent
    finally:
        AbstractConnection.send_command = send_command
        AbstractConnection.pack_commands = pack_commands
