"""config.ops_views: /healthz (no dependency touched), /readyz (database and Redis, 503 when
down), /metrics (token, 404 when unset, the metrics the issue lists, multiprocess mode)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.models import LinkKind
from tests.redis_counting import count_redis
from tests.test_accounts_authentication import UNREACHABLE
from tests.test_partner_api_health import database_down  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


def scrape(client: Client | None = None) -> str:
    response = (client or Client()).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, sample: str) -> float:
    """The value of one sample line (`name{labels}`), 0 when absent."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_healthz_answers_without_touching_the_database_or_redis(redis_cache):
    with CaptureQueriesContext(connection) as queries, count_redis() as trips:
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(queries) == 0 and trips.round_trips == 0


def test_healthz_stays_up_when_the_dependencies_are_down(database_down):  # noqa: F811
    with override_settings(CACHES=UNREACHABLE):
        assert Client().get("/healthz").status_code == 200


def test_readyz_checks_database_and_redis():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    with override_settings(CACHES=UNREACHABLE):
        down = Client().get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"] == {"database": "ok", "cache": "unavailable"}


def test_readyz_is_503_when_the_database_is_down(database_down):  # noqa: F811
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_probes_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/metrics").status_code == 301  # the token never travels in clear


def test_metrics_is_a_404_without_a_token_and_401_with_a_wrong_one(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404
    settings.METRICS_TOKEN = TOKEN
    for header in ("", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"):
        response = Client().get("/metrics", headers={"Authorization": header})
        assert response.status_code == 401
        assert "linkgate" not in response.content.decode()


def test_requests_are_counted_by_route_name_never_by_path(settings, make):
    settings.METRICS_TOKEN = TOKEN
    secret_path = "/auth/partner-login/" + "S" * 43
    before = scrape()
    Client().get(secret_path)
    Client().get("/healthz")
    after = scrape()
    sample = 'linkgate_http_requests_total{method="GET",route="browser:partner_login",status="404"}'
    assert value(after, sample) == value(before, sample) + 1
    healthz = 'linkgate_http_requests_total{method="GET",route="healthz",status="200"}'
    assert value(after, healthz) == value(before, healthz) + 1
    assert "S" * 43 not in after
    assert 'linkgate_http_request_duration_seconds_count{route="healthz"}' in after


def test_link_email_and_limit_outcomes_are_counted(
    settings, make, django_capture_on_commit_callbacks
):
    settings.METRICS_TOKEN = TOKEN
    settings.RATE_LIMITS = {"browser.link_confirm.ip": "1/60"}
    before = scrape()
    account = make.account(make.partner())
    with django_capture_on_commit_callbacks(execute=True):
        issued = issue_link(
            user=account.users.get(),
            kind=LinkKind.PARTNER_LOGIN,
            account=account,
            actor=Actor.system(),
            lifetime=timedelta(hours=1),
        )
        assert redeem_secret(issued.secret, kinds=[LinkKind.PARTNER_LOGIN]).ok
        assert not redeem_secret(issued.secret, kinds=[LinkKind.PARTNER_LOGIN]).ok  # used
    client = Client()
    client.post("/auth/partner-login/" + "B" * 43)
    assert client.post("/auth/partner-login/" + "B" * 43).status_code == 429
    after = scrape()

    def grew(sample: str) -> float:
        return value(after, sample) - value(before, sample)

    assert grew('linkgate_links_issued_total{kind="partner_login"}') == 1
    assert grew("linkgate_links_redeemed_total") == 1
    assert (
        sum(
            grew(line.rsplit(" ", 1)[0])
            for line in after.splitlines()
            if line.startswith("linkgate_links_failed_total{")
        )
        == 1
    )
    assert grew('linkgate_rate_limit_refusals_total{limit="browser.link_confirm.ip"}') == 1


def test_emails_queued_sent_and_failed_are_counted(
    settings, make, django_capture_on_commit_callbacks
):
    from functools import partial

    from audit.recorder import _count_committed
    from magiclinks.flows.revoke import revoke_link
    from magiclinks.notifications.delivery import deliver
    from magiclinks.notifications.outbox import queue_link_email

    settings.METRICS_TOKEN = TOKEN
    before = scrape()
    account = make.account()
    actor = Actor.partner(account.partner)

    def queue():
        issued = issue_link(
            user=account.users.get(),
            kind=LinkKind.PARTNER_LOGIN,
            account=account,
            actor=actor,
            lifetime=timedelta(hours=1),
        )
        # Run the metric callbacks of the commit, not the Celery dispatch (no worker here).
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notification = queue_link_email(issued, kind="partner_login_link", actor=actor)
        for callback in callbacks:
            if isinstance(callback, partial) and callback.func is _count_committed:
                callback()
        return issued, notification

    _, first = queue()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(first.pk) == "sent"
    issued, second = queue()
    with django_capture_on_commit_callbacks(execute=True):
        revoke_link(issued.link, actor=Actor.system("test"))
        assert deliver(second.pk) == "failed"
    after = scrape()
    for outcome, grew in (("queued", 2), ("sent", 1), ("failed", 1)):
        sample = f'linkgate_emails_total{{outcome="{outcome}"}}'
        assert value(after, sample) - value(before, sample) == grew, outcome


def test_an_unreachable_database_does_not_fail_the_scrape(settings, database_down):  # noqa: F811
    settings.METRICS_TOKEN = TOKEN
    text = scrape()
    assert value(text, 'linkgate_backlog_up{backlog="outbox"}') == 0
    assert "linkgate_http_requests_total" in text and "linkgate_outbox_pending" not in text
