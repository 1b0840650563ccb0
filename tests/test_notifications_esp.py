"""The anymail Postmark backend end to end against a local HTTP server standing in for Postmark's
API: the JSON sent (no secret outside the body link), the stored MessageID, retries with backoff on
server errors, final failure after NOTIFICATION_MAX_ATTEMPTS, permanent rejection, idempotency
after a successful send, and secrets kept out of errors, audit details and logs."""

import json
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, Notification
from magiclinks.notifications.outbox import queue_link_email
from magiclinks.notifications.tasks import backoff_seconds, send_notification

pytestmark = pytest.mark.django_db

TOKEN = "postmark-server-token-for-tests"


class FakePostmark:
    """Records each POST and answers with the next scripted (status, body) or a success."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "raw": raw})
                payload = json.loads(raw)
                status, body = fake.script.pop(0) if fake.script else (200, None)
                if body is None:
                    body = {
                        "To": payload["To"],
                        "SubmittedAt": "2026-11-22T03:00:00Z",
                        "MessageID": str(uuid.uuid4()),
                        "ErrorCode": 0,
                        "Message": "OK",
                    }
                if body == "echo":  # a misbehaving ESP quoting the whole request in its error
                    body = {"ErrorCode": 500, "Message": f"internal error for {raw}"}
                fake.requests[-1]["response"] = body
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def postmark(settings):
    fake = FakePostmark()
    fake.thread.start()
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.postmark.EmailBackend"}}
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": TOKEN, "POSTMARK_API_URL": fake.url}
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def queued(make, django_capture_on_commit_callbacks, options=None):
    partner = make.partner(brand_name="Acme", brand_color="#0b5fff", support_email="s@acme.test")
    account = make.account(partner=partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(partner),
        lifetime=timedelta(hours=24),
    )
    # Not executed: these tests run the task themselves instead of going through a broker.
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_link_email(
            issued, kind="partner_login_link", actor=Actor.partner(partner), options=options
        )
    return issued, notification


def test_postmark_receives_the_email_and_its_message_id_is_stored(
    postmark, make, django_capture_on_commit_callbacks
):
    issued, notification = queued(
        make, django_capture_on_commit_callbacks, options={"custom_subject": "Welcome aboard"}
    )
    assert send_notification.apply(args=[notification.pk]).get() == "sent"

    (request,) = postmark.requests
    assert request["path"] == "/email"
    assert request["headers"]["X-Postmark-Server-Token"] == TOKEN
    payload = json.loads(request["raw"])
    url = f"http://127.0.0.1:8000/auth/partner-login/{issued.secret}"
    assert payload["To"] == issued.link.user.email
    assert payload["From"] == "Acme <no-reply@localhost>"
    assert payload["ReplyTo"] == "s@acme.test"
    assert payload["Subject"] == "Welcome aboard"
    assert url in payload["TextBody"] and f'href="{url}"' in payload["HtmlBody"]
    assert payload["TrackLinks"] == "None" and payload["TrackOpens"] is False
    assert payload["Metadata"] == {"notification_id": str(notification.pk)}
    assert payload["Tag"] == "partner_login_link"
    # The secret is in the two bodies and nowhere else: not in headers, metadata, tag, subject.
    rest = {k: v for k, v in payload.items() if k not in {"TextBody", "HtmlBody"}}
    assert issued.secret not in json.dumps(rest)
    assert issued.secret not in json.dumps(request["headers"])

    notification.refresh_from_db()
    message_id = request["response"]["MessageID"]
    assert notification.status == "sent" and notification.attempts == 1
    assert notification.esp_message_id == message_id
    assert notification.encrypted_secret is None and notification.sent_at is not None
    sent = AuditEvent.objects.get(event="notification.sent")
    assert sent.details["esp_message_id"] == message_id
    assert sent.account_id == notification.account_id and sent.link_id == issued.link.pk


def test_a_second_run_after_success_sends_nothing(
    postmark, make, django_capture_on_commit_callbacks
):
    _, notification = queued(make, django_capture_on_commit_callbacks)
    assert send_notification.apply(args=[notification.pk]).get() == "sent"
    # Task redelivered by the broker, retried, or re-dispatched by the sweeper: still one email.
    assert send_notification.apply(args=[notification.pk]).get() == "skipped"
    assert send_notification.apply(args=[notification.pk]).get() == "skipped"
    assert len(postmark.requests) == 1
    assert AuditEvent.objects.filter(event="notification.sent").count() == 1


def test_server_errors_are_retried_until_the_send_succeeds(
    postmark, make, django_capture_on_commit_callbacks
):
    _, notification = queued(make, django_capture_on_commit_callbacks)
    postmark.script = [(500, {"ErrorCode": 500, "Message": "down"}), (503, {"Message": "x"})]
    # Eager apply runs the scheduled retries at once (the countdown applies on a real worker).
    assert send_notification.apply(args=[notification.pk]).get() == "sent"
    notification.refresh_from_db()
    assert len(postmark.requests) == 3
    assert notification.status == "sent" and notification.attempts == 3
    assert notification.last_error == ""


def test_final_failure_is_recorded_audited_and_secret_free(
    postmark, make, django_capture_on_commit_callbacks, caplog
):
    issued, notification = queued(make, django_capture_on_commit_callbacks)
    postmark.script = [(500, "echo")] * 5
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert len(postmark.requests) == 3  # bounded by NOTIFICATION_MAX_ATTEMPTS
    assert notification.status == "failed" and notification.attempts == 3
    assert notification.encrypted_secret is None
    assert notification.last_error.startswith("AnymailRequestsAPIError")
    assert "[redacted]" in notification.last_error
    failed = AuditEvent.objects.get(event="notification.failed")
    assert failed.details["reason"] == "attempts_exhausted" and failed.details["attempts"] == 3
    assert failed.account_id == notification.account_id and failed.user_id == issued.link.user_id
    for text in (notification.last_error, json.dumps(failed.details), caplog.text):
        assert issued.secret not in text
    # Nothing happens any more for this row.
    assert send_notification.apply(args=[notification.pk]).get() == "skipped"
    assert len(postmark.requests) == 3


def test_an_inactive_recipient_fails_at_once(postmark, make, django_capture_on_commit_callbacks):
    issued, notification = queued(make, django_capture_on_commit_callbacks)
    email = issued.link.user.email
    message = (
        "You tried to send to a recipient that has been marked as inactive.\n"
        f"Found inactive addresses: {email}.\n"
        "Inactive recipients are ones that have generated a hard bounce or a spam complaint. "
    )
    postmark.script = [(422, {"ErrorCode": 406, "Message": message})]
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert len(postmark.requests) == 1  # a refused recipient is not retried
    assert notification.status == "failed" and notification.attempts == 1
    assert notification.last_error.startswith("AnymailRecipientsRefused")
    assert AuditEvent.objects.get(event="notification.failed").details["reason"] == "rejected"


def test_backoff_is_exponential_jittered_and_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 600
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (9, 600)]:
        samples = {backoff_seconds(attempts) for _ in range(300)}
        assert min(samples) >= 1 and max(samples) <= ceiling
        assert len(samples) > 5  # jittered, not a fixed delay
    assert max(backoff_seconds(9) for _ in range(300)) > 300  # the cap, not the base, limits


def test_the_notification_row_never_holds_the_plaintext(make, django_capture_on_commit_callbacks):
    issued, notification = queued(make, django_capture_on_commit_callbacks)
    row = Notification.objects.values().get(pk=notification.pk)
    assert issued.secret.encode() not in bytes(row["encrypted_secret"])
    assert issued.secret not in json.dumps({k: str(v) for k, v in row.items()})
