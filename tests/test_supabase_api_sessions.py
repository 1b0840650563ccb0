"""supabase_api.sessions: refresh rotation with upstream's reuse interval
(REFRESH_TOKEN_REUSE_INTERVAL). Concurrent refreshes of one token run in real threads on
PostgreSQL: none revokes the session and all get the same current token; a reuse after the
interval still revokes it."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from supabase_api.flows.errors import RefreshTokenNotFound, RefreshTokenReused
from supabase_api.models import AuthSession, RefreshToken
from supabase_api.sessions import refresh_session, start_session

CONTENDERS = 8


def new_session():
    user = User.objects.create_user("tabs@example.com", email_confirmed_at=timezone.now())
    return start_session(user, method="otp")


def age_used_tokens(seconds: int) -> None:
    """As if every rotation happened `seconds` ago."""
    RefreshToken.objects.exclude(used_at=None).update(
        used_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_keep_the_session(postgres):
    first = new_session()
    results: list = [None] * CONTENDERS
    errors: list[BaseException] = []
    start = threading.Barrier(CONTENDERS)

    def contend(index: int) -> None:
        try:
            start.wait(timeout=30)
            results[index] = refresh_session(first.refresh_token).refresh_token
        except BaseException as exc:  # reported below: a silent thread would hide a bug
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Every tab got the one current token, and the session lives on.
    assert len(set(results)) == 1 and results[0] != first.refresh_token
    session = AuthSession.objects.get()
    assert session.revoked_at is None
    assert RefreshToken.objects.filter(used_at=None).count() == 1
    assert not AuditEvent.objects.filter(event="session.refresh_token_reused").exists()
    # And that token rotates normally.
    assert refresh_session(results[0]).refresh_token != results[0]


@pytest.mark.django_db
def test_reuse_within_the_interval_answers_the_current_token():
    first = new_session()
    second = refresh_session(first.refresh_token)
    again = refresh_session(first.refresh_token)
    assert again.refresh_token == second.refresh_token
    # Two rotations later, the first token still leads to the live one.
    third = refresh_session(second.refresh_token)
    assert refresh_session(first.refresh_token).refresh_token == third.refresh_token
    assert AuthSession.objects.get().revoked_at is None


@pytest.mark.django_db
def test_reuse_after_the_interval_revokes_the_session(settings):
    settings.REFRESH_TOKEN_REUSE_INTERVAL = 10
    first = new_session()
    second = refresh_session(first.refresh_token)
    age_used_tokens(11)
    with pytest.raises(RefreshTokenReused):
        refresh_session(first.refresh_token)
    assert AuthSession.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(event="session.refresh_token_reused").exists()
    with pytest.raises(RefreshTokenNotFound):
        refresh_session(second.refresh_token)


@pytest.mark.django_db
def test_interval_zero_turns_the_grace_off(settings):
    settings.REFRESH_TOKEN_REUSE_INTERVAL = 0
    first = new_session()
    refresh_session(first.refresh_token)
    with pytest.raises(RefreshTokenReused):
        refresh_session(first.refresh_token)


@pytest.mark.django_db
def test_a_token_rotated_under_another_key_gets_a_fresh_successor(settings):
    first = new_session()
    second = refresh_session(first.refresh_token)
    settings.SECRET_KEY = "another secret key for this test, long enough to be a real one"
    again = refresh_session(first.refresh_token)
    assert again.refresh_token not in (first.refresh_token, second.refresh_token)
    assert AuthSession.objects.get().revoked_at is None
    assert refresh_session(again.refresh_token).refresh_token
