"""audit.inserts: an unsaved instance as the INSERT the ORM would send (defaults, JSON, no auto
primary key), executable as is."""

import pytest
from django.db import connection

from audit.actors import Actor
from audit.inserts import row
from audit.models import AuditEvent
from audit.recorder import build


@pytest.mark.django_db
def test_row_inserts_what_save_would():
    event = build("test.event", actor=Actor.system("t"), details={"a": [1, "x"]})
    insert = row(event)
    assert "id" not in insert.columns  # left to the database
    with connection.cursor() as cursor:
        cursor.execute(insert.insert_sql(), insert.params)
    stored = AuditEvent.objects.get(event="test.event")
    assert stored.details == {"a": [1, "x"]}
    assert stored.actor_label == "t"
    assert stored.occurred_at == event.occurred_at
