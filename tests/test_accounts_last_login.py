"""accounts.last_login: login() writes last_login as Django does, except once after a sign-in
that stored it in its own statement (written_by_sign_in)."""

from datetime import timedelta

import pytest
from django.contrib.auth import login
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.last_login import written_by_sign_in
from config.session_store import SessionStore

BACKEND = "accounts.backends.ModelBackend"


def _request():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


@pytest.mark.django_db
def test_login_writes_last_login_as_django_does(make):
    user = make.user()
    login(_request(), user, backend=BACKEND)
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.django_db
def test_a_sign_in_that_wrote_it_is_not_written_twice(make):
    user = make.user()
    when = timezone.now() - timedelta(minutes=5)
    written_by_sign_in(user, when)
    with CaptureQueriesContext(connection) as ctx:
        login(_request(), user, backend=BACKEND)
    assert not [q for q in ctx.captured_queries if "last_login" in q["sql"]]
    assert user.last_login == when
    # The mark is for one login only: the next one writes again.
    with CaptureQueriesContext(connection) as ctx:
        login(_request(), user, backend=BACKEND)
    assert [q for q in ctx.captured_queries if "last_login" in q["sql"]]
