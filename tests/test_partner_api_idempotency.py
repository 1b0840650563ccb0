"""Idempotency-Key on Partner API POSTs (magiclinks.partner_api.idempotency): the first response
is replayed exactly (no second link, email or audit event), another body with the same key is
422, concurrent duplicates never make two links (real threads on PostgreSQL), stored bodies are
encrypted, a 5xx is not stored, rows expire and are purged."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from magiclinks.models import IdempotencyRecord, LoginLink, Notification
from magiclinks.partner_api import idempotency
from tests.partner_api_support import Api, error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db

KEY = "retry-4f7c1c"


def _link(tenant, body=None, key=KEY, **headers):
    path = f"/accounts/{tenant.account.pk}/login-link"
    return tenant.api.post(path, body if body is not None else {}, Idempotency_Key=key, **headers)


def test_a_retry_replays_the_first_response_exactly(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = _link(tenant, {"purpose": "expired_link"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    counts = (
        LoginLink.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = _link(tenant, {"purpose": "expired_link"})
    assert again.status_code == 201
    assert again.content == first.content  # the same link URL, byte for byte
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert callbacks == []  # no email dispatched
    assert (
        LoginLink.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_the_same_key_with_another_body_is_refused(tenant):
    assert _link(tenant, {"purpose": "expired_link"}).status_code == 201
    links = LoginLink.objects.count()
    response = _link(tenant, {"purpose": "support_request"})
    assert error_of(response) == (422, "IDEMPOTENCY_KEY_REUSED")
    other_path = tenant.api.post("/accounts", {"email": "x@example.com"}, Idempotency_Key=KEY)
    assert error_of(other_path) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert LoginLink.objects.count() == links


def test_keys_are_per_partner(tenant, other_tenant):
    assert _link(tenant).status_code == 201
    response = other_tenant.api.post(
        f"/accounts/{other_tenant.account.pk}/login-link", {}, Idempotency_Key=KEY
    )
    assert response.status_code == 201
    assert response.json()["account_id"] == other_tenant.account.pk


def test_an_error_of_the_request_is_stored_and_replayed_too(tenant):
    first = _link(tenant, {"user_email": "nobody@example.com"})
    assert error_of(first) == (404, "USER_NOT_FOUND")
    again = _link(tenant, {"user_email": "nobody@example.com"})
    assert again.status_code == 404 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"


def test_a_refused_request_is_not_stored_so_it_can_be_fixed(tenant):
    assert error_of(_link(tenant, {"expiry_hours": 500})) == (400, "VALIDATION_ERROR")
    assert IdempotencyRecord.objects.count() == 0
    fixed = _link(tenant, {"expiry_hours": 48})  # the same key, a corrected body
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed


def test_a_limit_refusal_is_not_replayed(tenant):
    tenant.partner.login_links_per_account_per_hour = 1
    tenant.partner.save()
    assert _link(tenant, key="first").status_code == 201
    assert error_of(_link(tenant, key="second")) == (429, "LOGIN_LINK_LIMIT_EXCEEDED")
    assert not IdempotencyRecord.objects.filter(key="second").exists()


def test_a_server_error_is_not_stored(tenant, monkeypatch):
    from magiclinks.partner_api import views_links

    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(views_links, "generate_partner_link", boom)
    assert error_of(_link(tenant)) == (500, "INTERNAL_ERROR")
    assert IdempotencyRecord.objects.count() == 0
    monkeypatch.undo()
    assert _link(tenant).status_code == 201  # the retry runs for real


def test_the_stored_body_is_encrypted(tenant):
    response = _link(tenant)
    token = response.json()["login_link"].rsplit("/", 1)[1]
    (record,) = IdempotencyRecord.objects.all()
    assert record.status_code == 201
    stored = bytes(record.encrypted_response)
    assert token.encode() not in stored and b"login_link" not in stored


def test_requests_without_the_header_are_not_recorded(tenant):
    assert tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {}).status_code == 201
    assert tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {}).status_code == 201
    assert IdempotencyRecord.objects.count() == 0
    assert LoginLink.objects.filter(used_at=None, invalidated_at=None).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there"])
def test_a_malformed_key_is_a_validation_error(tenant, key):
    response = _link(tenant, key=key)
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert "Idempotency-Key" in response.json()["error"]["details"]["fields"]
    assert LoginLink.objects.count() == 0


def test_an_expired_key_starts_afresh_and_the_purge_deletes_old_rows(tenant):
    first = _link(tenant)
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    second = _link(tenant)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert second.json()["link_id"] != first.json()["link_id"]
    assert IdempotencyRecord.objects.count() == 1
    assert idempotency.purge(timezone.now() + timedelta(days=2)) == 1
    assert IdempotencyRecord.objects.count() == 0


def test_the_documented_ttl_is_a_day(settings):
    assert settings.IDEMPOTENCY_KEY_TTL_SECONDS == 24 * 3600


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_link(postgres, redis_cache, tenant):
    barrier = threading.Barrier(8)
    responses: list = []
    lock = threading.Lock()

    def request() -> None:
        try:
            api = Api(tenant.key)
            barrier.wait()
            response = api.post(
                f"/accounts/{tenant.account.pk}/login-link",
                {"send_notification": False},
                Idempotency_Key="concurrent-1",
            )
            with lock:
                responses.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(responses) == 8
    assert LoginLink.objects.filter(account=tenant.account).count() == 1
    created = [r for r in responses if r.status_code == 201]
    others = [r for r in responses if r.status_code != 201]
    # Each either waited and got the replay, or was told the first is still running.
    assert {r.content for r in created} == {created[0].content}
    assert all(error_of(r) == (409, "IDEMPOTENCY_KEY_IN_PROGRESS") for r in others)
    assert sum("Idempotent-Replayed" not in r for r in created) == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_waits_at_most_the_wait_time_then_gets_409(
    postgres, redis_cache, tenant, settings, monkeypatch
):
    """The first request is held inside its transaction; the duplicate gets 409 in time."""
    from magiclinks.partner_api import views_links

    settings.IDEMPOTENCY_WAIT_SECONDS = 0.5
    entered, release = threading.Event(), threading.Event()
    original = views_links.generate_partner_link

    def slow(*args, **kwargs):
        entered.set()
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(views_links, "generate_partner_link", slow)
    first: list = []

    def request() -> None:
        try:
            first.append(_link(tenant, {"send_notification": False}, key="slow-1"))
        finally:
            connection.close()

    thread = threading.Thread(target=request)
    thread.start()
    assert entered.wait(10)
    duplicate = _link(tenant, {"send_notification": False}, key="slow-1")
    assert error_of(duplicate) == (409, "IDEMPOTENCY_KEY_IN_PROGRESS")
    release.set()
    thread.join(timeout=20)
    assert first[0].status_code == 201
    replay = _link(tenant, {"send_notification": False}, key="slow-1")
    assert replay.content == first[0].content
    assert LoginLink.objects.filter(account=tenant.account).count() == 1


def test_the_cost_of_a_key(postgres, tenant):
    """Figures for docs/partner-api.md: statements of a first request and of a replay."""
    from django.test.utils import CaptureQueriesContext

    def statements(**headers) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {}, **headers)
        return [q["sql"] for q in queries.captured_queries]

    statements()  # warm: last_used_at
    plain = statements()
    first = statements(Idempotency_Key="cost-1")
    replay = statements(Idempotency_Key="cost-1")
    print(
        f"login-link: {len(plain)} statements, {len(first)} with a new key, {len(replay)} replayed"
    )
    # A new key: the request's transaction (a savepoint here, inside the test's: 2 statements);
    # savepoint, SET lock_timeout, INSERT, reset, release for the key's row; the UPDATE storing
    # the response.
    assert len(first) == len(plain) + 8
    # A replay: the key lookup, the same five for the key's row (which finds it taken), the read
    # of the stored response, the request's transaction (a savepoint here): 9, the link, its
    # email and its events not written again.
    assert len(replay) == 9
