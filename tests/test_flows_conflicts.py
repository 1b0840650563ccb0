"""magiclinks.flows.conflicts.retry_on_conflict: a lost insert race is run again (and then
decided by the flow's own rules); a persistent IntegrityError is still an error. The real race
(two partners onboarding one address on PostgreSQL) is in
tests/security/test_concurrent_onboarding_same_email.py."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from magiclinks.flows.conflicts import ATTEMPTS, retry_on_conflict

pytestmark = pytest.mark.django_db


def test_a_conflict_runs_the_operation_again_and_its_first_attempt_leaves_nothing():
    calls = []

    def operation():
        calls.append(1)
        with transaction.atomic():
            User.objects.create_user(f"attempt{len(calls)}@example.com")
            if len(calls) == 1:
                raise IntegrityError("duplicate key value violates unique constraint")
        return "done"

    assert retry_on_conflict(operation) == "done"
    assert len(calls) == 2
    # The failed attempt's insert was rolled back with its transaction.
    assert list(User.objects.values_list("email", flat=True)) == ["attempt2@example.com"]


def test_after_the_last_attempt_the_error_is_raised():
    calls = []

    def always_conflicting():
        calls.append(1)
        raise IntegrityError("still conflicting")

    with pytest.raises(IntegrityError):
        retry_on_conflict(always_conflicting)
    assert len(calls) == ATTEMPTS == 3


def test_other_errors_are_not_retried():
    calls = []

    def broken():
        calls.append(1)
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        retry_on_conflict(broken)
    assert calls == [1]
