"""The browser's session engine: Django's database sessions, written once per request.

Django's `db` engine, at sign-in, checks that a new random key is unused (`SELECT … EXISTS`),
inserts the row inside a savepoint (to catch a duplicate key), and then, when the view adds to
the session afterwards (the redirect to follow, the partner), updates the same row at the end of
the request: four statements for one row. This store picks the key, and writes the row once,
when SessionMiddleware saves at the end of the request, with `INSERT … ON CONFLICT DO NOTHING`:
a key that happens to be taken (32 random characters, ~165 bits; it does not happen in practice)
inserts nothing, and the store draws another key and tries again, which is what the EXISTS check
and the savepoint were for. Everything else is Django's: the rows, their expiry, `clearsessions`,
deleting a session at sign-out (so a copied cookie dies with it, which signed cookies cannot do).

Why not `cached_db`: it writes the same rows to the database and adds a cache write, and its
gain, reads from Redis, is on later requests, not on the sign-in. Why not `cache`: every person
is signed out when Redis restarts or evicts. Why not `signed_cookies`: sign-out cannot end a
session server-side. docs/performance.md has the figures.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    _pending_insert = False

    def _get_new_session_key(self) -> str:
        # No EXISTS query: the INSERT below refuses a taken key.
        return get_random_string(32, VALID_KEY_CHARS)

    def create(self) -> None:
        """A new key; the row is inserted by save(), once, at the end of the request."""
        self._session_key = self._get_new_session_key()
        self._pending_insert = True
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            self.create()
        if self._pending_insert or must_create:
            self._insert()
            return
        super().save(must_create=False)

    def _insert(self) -> None:
        model = self.model
        using = router.db_for_write(model)
        connection = connections[using]
        table = connection.ops.quote_name(model._meta.db_table)
        while True:
            obj = self.create_model_instance(self._get_session(no_load=True))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (session_key, session_data, expire_date)"  # noqa: S608
                    " VALUES (%s, %s, %s) ON CONFLICT (session_key) DO NOTHING",
                    [
                        obj.session_key,
                        obj.session_data,
                        model._meta.get_field("expire_date").get_db_prep_save(
                            obj.expire_date, connection
                        ),
                    ],
                )
                inserted = cursor.rowcount == 1
            if inserted:
                self._pending_insert = False
                return
            self._session_key = self._get_new_session_key()  # taken: draw again
