"""PostgreSQL connection lost mid-run: the request that loses it gets 503 JSON, nothing it wrote
survives (its transaction rolls back), and the next requests succeed without a restart.

Requests go through Django's real WSGI handler (not the test client, which switches off the
per-request connection housekeeping), so `close_old_connections` and CONN_HEALTH_CHECKS work as
they do under gunicorn. The connection is killed with pg_terminate_backend from a second
connection: once while idle between requests, once in the middle of an issue transaction, right
after the new link was inserted (the request is held there by a row lock on the link it is about
to supersede).
"""

import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LoginLink

pytestmark = [pytest.mark.django_db(transaction=True)]


def call(app: WSGIHandler, method: str, path: str, body: dict | None, headers: dict) -> tuple:
    """One request through the WSGI app; returns (status, headers, parsed JSON body)."""
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()  # request_finished: Django's connection housekeeping runs here
    assert seen["headers"]["Content-Type"].startswith("application/json"), content[:300]
    return seen["status"], seen["headers"], json.loads(content)


def _dsn() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}
    )


@pytest.fixture
def api(make, postgres):
    partner = make.partner()
    headers = {"Authorization": f"Bearer {make.api_key(partner)}"}
    account = make.account(partner)
    app = WSGIHandler()

    def issue():
        return call(
            app,
            "POST",
            f"/v1beta/accounts/{account.pk}/login-link",
            {"send_notification": False},
            headers,
        )

    return account, issue


def test_recovers_after_the_idle_connection_is_killed(api):
    account, issue = api
    assert issue()[0] == 201
    pid = connection.connection.info.backend_pid  # the persistent connection requests reuse
    with psycopg.connect(_dsn(), autocommit=True) as killer:
        assert killer.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    # CONN_HEALTH_CHECKS notices the dead connection at the start of the next request.
    status, _, body = issue()
    assert status == 201, body
    assert connection.connection.info.backend_pid != pid
    assert LoginLink.objects.filter(account=account).count() == 2


def test_connection_lost_mid_transaction_is_503_and_rolled_back(api):
    account, issue = api
    user = account.users.get()
    old = issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    links_before = LoginLink.objects.count()
    events_before = AuditEvent.objects.count()
    # One worker thread, like a gunicorn worker: it keeps its connection between requests.
    worker = ThreadPoolExecutor(max_workers=1)
    with psycopg.connect(_dsn()) as blocker, psycopg.connect(_dsn(), autocommit=True) as killer:
        # Hold the old link's row: the request's one statement that supersedes it, inserts the
        # new link and the audit events (magiclinks.flows.issue._ISSUE_SQL) waits for it.
        blocker.execute(
            "SELECT id FROM magiclinks_loginlink WHERE id = %s FOR UPDATE", [old.link.pk]
        )
        pending = worker.submit(issue)
        victim = None
        deadline = time.monotonic() + 20
        while victim is None and time.monotonic() < deadline:
            row = killer.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE '%%UPDATE%%magiclinks_loginlink%%'"
            ).fetchone()
            victim = row[0] if row else None
            time.sleep(0.02)
        assert victim is not None, "the request never reached the supersede step"
        killer.execute("SELECT pg_terminate_backend(%s)", [victim])
        response = pending.result(timeout=30)
        blocker.rollback()

    status, headers, body = response
    assert status == 503, body
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(headers["Retry-After"]) > 0
    # Nothing half-written: no new link, no audit event, the old link untouched.
    assert LoginLink.objects.count() == links_before
    assert AuditEvent.objects.count() == events_before
    assert LoginLink.objects.get(pk=old.link.pk).invalidated_at is None

    # The next request on the same worker, whose connection was killed, succeeds.
    try:
        status, _, body = worker.submit(issue).result(timeout=30)
    finally:
        worker.submit(connections.close_all).result()
        worker.shutdown()
    assert status == 201, body
    assert body["previous_links_invalidated"] == 1
