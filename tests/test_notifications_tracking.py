"""magiclinks.notifications.tracking and urls: Postmark's tracking webhook through anymail's view,
behind basic auth, updates the outbox row and writes notification.delivered / bounced /
complained audit events on the account; duplicates and late events change nothing."""

import base64
from datetime import timedelta

import pytest

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, Notification
from magiclinks.notifications.delivery import deliver
from magiclinks.notifications.outbox import queue_link_email

pytestmark = pytest.mark.django_db

URL = "/webhooks/anymail/postmark/tracking/"
SECRET = "hookuser:hook-password-123"
MESSAGE_ID = "883953f4-6105-42a2-a16a-77a8eac79483"


@pytest.fixture(autouse=True)
def _postmark_is_the_tracking_esp(settings):
    # Only the configured ESP's webhook answers (tests/security/test_unconfigured_esp_webhooks.py);
    # the suite sends through the console backend, so the tracking ESP is named here.
    settings.EMAIL_TRACKING_ESP = "postmark"


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def sent(make):
    """A partner-link email that went out and got MESSAGE_ID from the ESP."""
    account = make.account()
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    notification = queue_link_email(
        issued, kind="partner_login_link", actor=Actor.partner(account.partner)
    )
    assert deliver(notification.pk) == "sent"
    Notification.objects.filter(pk=notification.pk).update(esp_message_id=MESSAGE_ID)
    notification.refresh_from_db()
    return notification


def post(client, event: dict, auth: str = SECRET):
    header = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(URL, event, content_type="application/json", HTTP_AUTHORIZATION=header)


def delivery(message_id=MESSAGE_ID, **extra):
    return {
        "RecordType": "Delivery",
        "MessageID": message_id,
        "Recipient": "someone@example.com",
        "DeliveredAt": "2026-11-22T03:05:00Z",
        "Details": "Test delivery webhook details",
        "Metadata": {},
        **extra,
    }


def bounce(message_id=MESSAGE_ID, kind="HardBounce"):
    return {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": kind,
        "MessageID": message_id,
        "Email": "someone@example.com",
        "BouncedAt": "2026-11-22T03:06:00Z",
        "Description": "The server was unable to deliver your message (ex: unknown user, etc.).",
        "Details": "550 5.1.1 unknown user",
    }


def events(notification, name):
    return list(AuditEvent.objects.filter(event=name, details__notification_id=notification.pk))


def test_without_a_configured_secret_the_webhook_refuses_everything(client, sent, settings):
    settings.ANYMAIL = {}
    response = post(client, delivery())
    assert response.status_code == 403 and response.json()["error"] == "webhook_disabled"
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_wrong_credentials_change_nothing(client, sent, webhook_secret):
    response = post(client, delivery(), auth="hookuser:guess")
    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == "sent" and not events(sent, "notification.delivered")


def test_delivery_marks_the_row_and_lands_in_the_account_activity(client, sent, webhook_secret):
    assert post(client, delivery()).status_code == 200
    sent.refresh_from_db()
    assert sent.status == "delivered"
    assert sent.delivered_at.isoformat() == "2026-11-22T03:05:00+00:00"
    (event,) = events(sent, "notification.delivered")
    assert (event.account_id, event.partner_id, event.user_id, event.link_id) == (
        sent.account_id,
        sent.partner_id,
        sent.user_id,
        sent.link_id,
    )
    assert event.details["esp_event"] == "delivered" and event.actor_type == "system"
    assert event in AuditEvent.objects.for_account(sent.account_id)
    # The ESP retries its webhooks: a repeat changes nothing.
    assert post(client, delivery()).status_code == 200
    assert len(events(sent, "notification.delivered")) == 1


def test_bounce_wins_over_a_late_delivery(client, sent, webhook_secret):
    assert post(client, bounce()).status_code == 200
    sent.refresh_from_db()
    assert sent.status == "bounced" and sent.last_error == "bounced: bounced"
    (event,) = events(sent, "notification.bounced")
    assert event.account_id == sent.account_id and event.details["reason"] == "bounced"
    post(client, delivery())
    post(client, bounce())
    sent.refresh_from_db()
    assert sent.status == "bounced"
    assert len(events(sent, "notification.bounced")) == 1
    assert not events(sent, "notification.delivered")


def test_complaint_is_recorded(client, sent, webhook_secret):
    post(client, delivery())
    complaint = bounce(kind="SpamComplaint") | {"RecordType": "SpamComplaint"}
    assert post(client, complaint).status_code == 200
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.last_error.startswith("complained")
    assert len(events(sent, "notification.complained")) == 1


def test_an_event_that_outruns_our_commit_is_matched_by_metadata(client, sent, webhook_secret):
    Notification.objects.filter(pk=sent.pk).update(esp_message_id="")
    event = delivery(message_id="not-yet-stored", Metadata={"notification_id": str(sent.pk)})
    assert post(client, event).status_code == 200
    sent.refresh_from_db()
    assert sent.status == "delivered"


def test_unknown_messages_and_uninteresting_events_are_ignored(client, sent, webhook_secret):
    assert post(client, delivery(message_id="someone-elses-message")).status_code == 200
    opened = {"RecordType": "Open", "MessageID": MESSAGE_ID, "Recipient": "x@example.com"}
    assert post(client, opened).status_code == 200
    sent.refresh_from_db()
    assert sent.status == "sent"
    assert not AuditEvent.objects.filter(
        event__startswith="notification.", details__esp_event__isnull=False
    ).exists()
