"""audit: record(), immutability, request context, the account index."""

import pytest
from django.db import transaction

from audit.actors import Actor
from audit.models import AuditEvent, ImmutableEventError
from audit.recorder import record

pytestmark = pytest.mark.django_db


def test_record_writes_an_event_with_its_references(make):
    account = make.account()
    user = account.users.get()
    event = record(
        "account.created",
        actor=Actor.partner(account.partner),
        partner=account.partner,
        account=account,
        user=user,
        details={"x": 1},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.event, stored.actor_type, stored.actor_label) == (
        "account.created",
        "partner",
        account.partner.name,
    )
    assert stored.account_id == account.pk and stored.user_email == user.email
    assert stored.details == {"x": 1}


def test_events_roll_back_with_their_change(make):
    account = make.account()
    with pytest.raises(RuntimeError), transaction.atomic():
        record("account.suspended", actor=Actor.system(), account=account)
        raise RuntimeError
    assert not AuditEvent.objects.exists()


def test_events_cannot_be_changed_or_deleted(make):
    event = record("x.happened", actor=Actor.system())
    event.event = "y.happened"
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()
    with pytest.raises(ImmutableEventError):
        AuditEvent.objects.filter(pk=event.pk).update(event="z")
    with pytest.raises(ImmutableEventError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().event == "x.happened"


def test_events_keep_their_history_when_the_user_is_deleted(make):
    user = make.user()
    record("user.created", actor=Actor.system(), user=user)
    user.delete()
    event = AuditEvent.objects.get()
    assert event.user_id is not None and event.user_email


def test_request_context_is_captured(client, make):
    """The middleware puts IP, user agent and request id on events written during a request."""
    from audit import context

    seen = {}

    def view_like():
        seen["context"] = context.current()

    response = client.get(
        "/admin/login/", HTTP_USER_AGENT="pytest-agent", HTTP_X_REQUEST_ID="req-123"
    )
    assert response["X-Request-ID"] == "req-123"
    bad = client.get("/admin/login/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert bad["X-Request-ID"] != "bad id with spaces" and len(bad["X-Request-ID"]) == 32
    view_like()
    assert seen["context"] == context.EMPTY  # outside a request


def test_account_listing_uses_newest_first(make):
    account = make.account()
    for name in ["a", "b", "c"]:
        record(f"test.{name}", actor=Actor.system(), account=account)
    assert [e.event for e in AuditEvent.objects.for_account(account.pk)] == [
        "test.c",
        "test.b",
        "test.a",
    ]
