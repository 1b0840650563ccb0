"""audit.combined.update_and_record: the event is written exactly when the conditional change
happens, once per changed row, on PostgreSQL in one statement; and the sinks see it."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import recorder
from audit.actors import Actor
from audit.combined import update_and_record
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(user):
    return recorder.build("test.combined", actor=Actor.system("test"), user=user)


def test_the_event_is_written_only_when_the_row_changed(make):
    user = make.user()
    users = get_user_model().objects.filter(pk=user.pk, last_login=None)
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        assert update_and_record(users, {"last_login": now}, _event(user)) == 1
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # the UPDATE and the INSERT in one statement
    assert update_and_record(users, {"last_login": now}, _event(user)) == 0  # no longer matches
    assert AuditEvent.objects.filter(event="test.combined", user_id=user.pk).count() == 1


def test_a_listening_sink_gets_the_saved_event(make, monkeypatch):
    seen: list[AuditEvent] = []
    monkeypatch.setattr(recorder, "_sinks", {})
    recorder.add_sink(seen.append, ["test.combined"])
    user = make.user()
    users = get_user_model().objects.filter(pk=user.pk)
    update_and_record(users, {"last_login": timezone.now()}, _event(user))
    assert [event.pk for event in seen] == list(
        AuditEvent.objects.filter(event="test.combined").values_list("pk", flat=True)
    )
