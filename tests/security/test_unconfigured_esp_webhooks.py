"""Anymail tracking webhooks of ESPs that are not configured.

The review found every ESP's tracking view mounted under /webhooks/anymail/<esp>/tracking/: a POST
to one whose ESP is not configured (Mailgun, MailerSend, Amazon SES…) answered an HTML 500 with
a traceback in the log, and some (Brevo, SparkPost…) even answered 200 to a body in their own
format, so anybody holding the webhook secret could feed events through a parser nobody
configured. Only the configured ESP's view may answer; everything else under /webhooks/ is a
JSON 404, never a 500 or an HTML page. The configured ESP is covered end to end by
tests/test_notifications_tracking.py.
"""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from anymail import urls as anymail_urls
from django.test import Client

pytestmark = pytest.mark.django_db

SECRET = "hookuser:hook-password-123"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
ROOT = Path(__file__).resolve().parents[2]
# Every ESP anymail has a tracking view for, read from anymail itself so a new one is covered.
ESPS = sorted(
    str(pattern.pattern).split("/", 1)[0]
    for pattern in anymail_urls.urlpatterns
    if (pattern.name or "").endswith("_tracking_webhook")
)
CONFIGURED = "postmark"


@pytest.fixture
def client():
    # Answer with whatever the site answers (a 500 page included) instead of raising.
    return Client(raise_request_exception=False)


@pytest.fixture(autouse=True)
def _webhooks(settings):
    settings.EMAIL_TRACKING_ESP = CONFIGURED
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def assert_json_404(response):
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(("application/json", "text/plain"))
    assert b"Traceback" not in response.content and b"<html" not in response.content.lower()


def test_anymail_still_has_the_esps_this_test_is_about():
    assert CONFIGURED in ESPS and {"mailgun", "amazon_ses", "sparkpost"} <= set(ESPS)


@pytest.mark.parametrize("esp", [esp for esp in ESPS if esp != CONFIGURED])
@pytest.mark.parametrize(
    "body",
    ["{}", '{"event": "delivered", "type": "email.delivered", "RecordType": "Delivery"}', "[]"],
)
def test_unconfigured_esp_webhook_is_404_not_500(client, esp, body):
    response = client.post(
        f"/webhooks/anymail/{esp}/tracking/", body, content_type="application/json", **AUTH
    )
    assert_json_404(response)


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/",
        "/webhooks/anymail/",
        "/webhooks/anymail/nosuchesp/tracking/",
        "/webhooks/anymail/postmark/inbound/",  # inbound mail is never mounted
        "/webhooks/anymail/mandrill/",  # anymail's combined Mandrill view
        "/webhooks/anymail/postmark/tracking/extra/",
    ],
)
def test_everything_else_under_webhooks_is_a_json_404(client, path):
    assert_json_404(client.post(path, "{}", content_type="application/json", **AUTH))
    assert_json_404(client.get(path))


def test_without_an_anymail_esp_no_tracking_view_answers(client, settings):
    settings.EMAIL_TRACKING_ESP = ""  # e.g. SMTP or the console backend
    for esp in ESPS:
        response = client.post(
            f"/webhooks/anymail/{esp}/tracking/", "{}", content_type="application/json", **AUTH
        )
        assert_json_404(response)


def test_configured_esp_missing_its_own_setting_is_a_json_503_not_a_500(client, settings):
    """An operator error (Mailgun chosen, its signing key not set) is a clear JSON 503, which
    the ESP retries, instead of an HTML 500."""
    settings.EMAIL_TRACKING_ESP = "mailgun"
    response = client.post(
        "/webhooks/anymail/mailgun/tracking/", "{}", content_type="application/json", **AUTH
    )
    assert response.status_code == 503, response.content[:300]
    assert response.json()["error"] == "webhook_misconfigured"
    assert "MAILGUN_WEBHOOK_SIGNING_KEY" not in response.content.decode()  # no config hints


def test_the_tracking_esp_follows_email_backend():
    """EMAIL_TRACKING_ESP defaults to the anymail ESP of EMAIL_BACKEND, and to none otherwise."""
    code = "from django.conf import settings; print(repr(settings.EMAIL_TRACKING_ESP))"
    base = {k: v for k, v in os.environ.items() if k not in {"EMAIL_BACKEND", "EMAIL_TRACKING_ESP"}}
    expected = {
        "anymail.backends.mailgun.EmailBackend": "'mailgun'",
        "anymail.backends.amazon_ses.EmailBackend": "'amazon_ses'",
        "django.core.mail.backends.smtp.EmailBackend": "''",
        "magiclinks.notifications.console.EmailBackend": "''",
    }
    for backend, esp in expected.items():
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            cwd=ROOT,
            env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", "EMAIL_BACKEND": backend},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == esp, result.stderr
