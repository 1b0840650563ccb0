"""Django's Redis cache backend, reusing one redis-py client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` object for every cache operation. With
redis-py 8 that costs more than the network round trip itself (about 0.4 ms of dictionary
building per object on the bench machine, against 0.3 ms for an INCR). `redis.Redis` is
thread-safe over a shared pool, so one client per pool is enough (docs/performance.md has the
measurement); ratelimits.counting runs its script on this client too.

`incr` is also one atomic round trip instead of Django's two (EXISTS, then INCRBY). Besides the
round trip, Django's version has a race: a key that expires between the two commands is
re-created by INCRBY *without* an expiry, and a counter kept in it would never reset.

Scripts (this module's and ratelimits.counting's) run through `run_script`, on a connection of
the client's pool, without redis-py's per-command layers (see there).
"""

from collections.abc import Sequence

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

# Increment only an existing key, atomically; nil when it does not exist.
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return nil
"""


def run_script(script: Script, keys: Sequence[str], args: Sequence[object]) -> object:
    """`script(keys=keys, args=args)`, on a connection of the script's client's pool, without
    redis-py's per-command layers.

    Hand-written because redis-py 8 wraps every command in a retry policy, two updates of its
    connection-count metrics and a response-callback lookup: 64 µs of client CPU per EVALSHA
    on the bench machine, against 34 µs to send it and read the reply on a pooled connection
    (docs/performance.md). What those layers do that matters here is kept: the pool's
    get_connection (re)connects and checks that the connection has nothing unread, as for every
    redis-py command; a connection that fails is disconnected, so the pool reconnects it on its
    next use, and one failed send is tried once more on a fresh connection (Redis restarted
    since this connection was last used); a script Redis does not know (restarted, or SCRIPT
    FLUSH) is sent in full once, with EVAL, which caches it again. The reply is what Script
    returns (no response callback applies to EVALSHA)."""
    pool = script.registered_client.connection_pool
    connection = pool.get_connection()
    try:
        try:
            connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        except (RedisConnectionError, OSError):
            connection.disconnect()  # send_command connects a disconnected one again
            connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return connection.read_response()
        except NoScriptError:
            connection.send_command("EVAL", script.script, len(keys), *keys, *args)
            return connection.read_response()
    except BaseException:
        connection.disconnect()  # a reply may be left unread: never hand this one out again
        raise
    finally:
        pool.release(connection)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._incr_scripts: dict[int, object] = {}

    def get_client(self, key=None, *, write: bool = False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        script = self._incr_scripts.get(id(client))
        if script is None:
            script = self._incr_scripts.setdefault(
                id(client), client.register_script(_INCR_EXISTING)
            )
        value = run_script(script, [key], [delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
