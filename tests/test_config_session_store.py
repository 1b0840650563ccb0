"""config.session_store: one INSERT per new session (no EXISTS, no savepoint, no second write),
a taken key drawn again, and Django's behaviour otherwise (load, update, delete)."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.session_store import SessionStore


@pytest.mark.django_db
def test_a_new_session_is_one_insert_at_save():
    store = SessionStore()
    with CaptureQueriesContext(connection) as ctx:
        store.cycle_key()  # what login() does
        store["a"] = 1
        store["b"] = 2
    assert ctx.captured_queries == []  # nothing written before the end of the request
    with CaptureQueriesContext(connection) as ctx:
        store.save()
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT"]
    assert SessionStore(store.session_key).load() == {"a": 1, "b": 2}
    store["a"] = 3
    store.save()  # an existing session: Django's UPDATE
    assert SessionStore(store.session_key).load()["a"] == 3
    store.delete()
    assert not Session.objects.filter(session_key=store.session_key).exists()


@pytest.mark.django_db
def test_a_taken_key_is_never_shared(monkeypatch):
    taken = SessionStore()
    taken["owner"] = "first"
    taken.save()
    keys = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    store = SessionStore()
    store["owner"] = "second"
    store.save()
    assert store.session_key == "k" * 32
    assert SessionStore(taken.session_key).load() == {"owner": "first"}
