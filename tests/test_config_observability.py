"""config.observability: one JSON log line per request with LOG_FORMAT=json (request id, partner
id, route, status, duration; secrets redacted), and metrics plus logging cost no SQL statement
and no Redis command."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from config.logging import JsonFormatter, RedactSecretsFilter
from tests.redis_counting import count_redis

pytestmark = pytest.mark.django_db
SECRET = "S3cr3t" + "x" * 37  # 43 characters, shaped like a link secret
OBSERVABILITY = "config.observability.RequestObservabilityMiddleware"


@pytest.fixture
def access_lines():
    """The linkgate.access logger as LOG_FORMAT=json configures it, into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("linkgate.access")
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(saved)


def test_one_json_line_per_request_with_route_never_the_path(access_lines):
    response = Client().get(
        f"/auth/partner-login/{SECRET}?token=123456", headers={"X-Request-ID": "req-42"}
    )
    (line,) = access_lines()
    assert line["message"] == "request"
    assert line["request_id"] == "req-42" == response["X-Request-ID"]
    assert line["route"] == "browser:partner_login"
    assert (line["method"], line["status"]) == ("GET", response.status_code)
    assert line["partner_id"] is None and line["duration_ms"] >= 0
    raw = json.dumps(line)
    assert SECRET not in raw and "123456" not in raw


def test_the_line_carries_the_partner_of_the_api_key(access_lines, make):
    partner = make.partner()
    key = make.api_key(partner)
    account = make.account(partner)
    Client().get(f"/v1beta/accounts/{account.pk}", headers={"Authorization": f"Bearer {key}"})
    (line,) = access_lines()
    assert line["partner_id"] == partner.pk and line["status"] == 200
    assert key not in json.dumps(line)


def test_secrets_in_any_field_of_a_json_line_are_redacted():
    formatter = JsonFormatter("%(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "visit %s", (SECRET,), None)
    record.path = f"/auth/v1/verify?token={SECRET}&type=magiclink"
    text = formatter.format(record)
    assert SECRET not in text and "[redacted]" in text and json.loads(text)


SCRIPT = """
import django, logging, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
logging.getLogger("linkgate.access").info("request", extra={"route": "x", "query": "token=654321"})
logging.getLogger("magiclinks").warning("redeeming /auth/partner-login/%s", "SECRET")
"""


def _start_with(log_format: str) -> subprocess.CompletedProcess:
    """A fresh process that loads the settings with LOG_FORMAT and logs two lines."""
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("SECRET", SECRET)],
        env={**os.environ, "LOG_FORMAT": log_format, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_json_configures_json_lines_on_the_console():
    result = _start_with("json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [line["logger"] for line in lines] == ["linkgate.access", "magiclinks"]
    assert lines[0]["route"] == "x" and lines[0]["level"] == "INFO"
    assert "654321" not in result.stderr and SECRET not in result.stderr


def test_an_unknown_log_format_stops_the_start():
    result = _start_with("xml")
    assert result.returncode != 0 and "LOG_FORMAT must be plain or json" in result.stderr


def _cost(send) -> tuple[int, int]:
    send()  # warm: sessions, scripts, connection
    with CaptureQueriesContext(connection) as queries, count_redis() as trips:
        send()
    return len(queries), trips.round_trips


def test_metrics_and_json_logging_add_no_sql_statement_or_redis_command(
    access_lines, make, redis_cache, monkeypatch, django_capture_on_commit_callbacks
):
    partner = make.partner()
    key = make.api_key(partner)
    account = make.account(partner)
    auth = {"Authorization": f"Bearer {key}"}
    requests = {
        "partner api read": lambda: Client().get(f"/v1beta/accounts/{account.pk}", headers=auth),
        "partner api login link": lambda: Client().post(
            f"/v1beta/accounts/{account.pk}/login-link",
            {"send_notification": True},
            content_type="application/json",
            headers=auth,
        ),
        "browser confirm": lambda: Client().post(f"/auth/partner-login/{SECRET}"),
        "readyz": lambda: Client().get("/readyz"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        measured = {label: _cost(send) for label, send in requests.items()}
        without = [name for name in django_settings.MIDDLEWARE if name != OBSERVABILITY]
        monkeypatch.setattr("audit.recorder.record_event", lambda event, details: None)
        with override_settings(MIDDLEWARE=without):
            baseline = {label: _cost(send) for label, send in requests.items()}
    assert measured == baseline
    assert len(access_lines()) == 2 * len(requests)  # the measured runs were logged
