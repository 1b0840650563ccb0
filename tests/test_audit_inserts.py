"""audit.inserts: an unsaved instance as the INSERT the ORM would send (defaults, JSON, no auto
primary key), executable as is."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.actors import Actor
from audit.inserts import row
from audit.models import AuditEvent
from audit.recorder import build
from magiclinks.models import LoginLink


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


@pytest.mark.django_db
def test_every_value_is_what_the_orm_would_prepare(make):
    # row() passes some values to the driver as they are (audit.inserts._PASSED_THROUGH); each
    # must equal what get_db_prep_save makes of it, for every column of the hot paths' rows.
    account = make.account()
    user = account.users.get()
    now = timezone.now()
    link = LoginLink(
        token_digest="d" * 64,
        user=user,
        account=account,
        partner_id=account.partner_id,
        kind="partner_login",
        scope=f"partner:{account.pk}",
        issuer_type="partner",
        issuer_id=str(account.partner_id),
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    event = build(
        "test.event", actor=Actor.system("t"), account=account, user=user, link=link, details={}
    )
    event.ip_address = "192.0.2.1"
    for obj in (link, event):
        expected = [
            field.get_db_prep_save(field.pre_save(obj, True), connection)
            for field in type(obj)._meta.local_concrete_fields
            if field.column in row(obj).columns
        ]
        assert [repr(value) for value in row(obj).params] == [repr(v) for v in expected]
