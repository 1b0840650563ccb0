"""50 simultaneous redemptions of one link, 20 times over, with real threads on PostgreSQL:
exactly one wins each round, the 49 others are told "used", and the audit log agrees.

The 50 worker threads live for the whole test (one database connection each) and meet at a
barrier before every round, so each round is a real 50-way race without opening 1,000
connections on a server the other suites share.
"""

import threading
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from django.db import connection

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import RedeemFailure, redeem_secret
from magiclinks.models import LinkKind, LoginLink

CONTENDERS = 50
ROUNDS = 20
PARTNER = [LinkKind.PARTNER_LOGIN]


def _issue(make) -> str:
    account = make.account()
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    ).secret


def run_races(secrets: list[str], contenders: int) -> list[list]:
    """Every thread redeems secrets[r] at the same moment in round r; returns the outcomes."""
    outcomes = [[None] * contenders for _ in secrets]
    start = threading.Barrier(contenders)
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        try:
            for round_no, secret in enumerate(secrets):
                start.wait(timeout=60)
                outcomes[round_no][index] = redeem_secret(secret, kinds=PARTNER).failure
        except BaseException as exc:  # reported below; a silent thread would hide a bug
            errors.append(exc)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_one_link_exactly_one_wins_twenty_times(make, postgres):
    secrets = [_issue(make) for _ in range(ROUNDS)]
    outcomes = run_races(secrets, CONTENDERS)
    for round_no, results in enumerate(outcomes):
        assert results.count(None) == 1, f"round {round_no}: {results.count(None)} winners"
        assert results.count(RedeemFailure.USED) == CONTENDERS - 1, f"round {round_no}"
    assert LoginLink.objects.filter(used_at__isnull=False).count() == ROUNDS
    redeemed = AuditEvent.objects.filter(event="login_link.redeemed")
    assert redeemed.count() == ROUNDS
    assert len(set(redeemed.values_list("link_id", flat=True))) == ROUNDS
    failed = AuditEvent.objects.filter(event="login_link.redeem_failed")
    assert failed.count() == ROUNDS * (CONTENDERS - 1)
    assert set(failed.values_list("details__reason", flat=True)) == {"used"}


HTTP_ROUNDS = 20


@pytest.mark.django_db(transaction=True)
def test_fifty_browser_posts_one_link_exactly_one_signs_in(make, postgres, live_server, settings):
    """The same race through HTTP: 50 threads POST the confirmation form of one link at once
    (each with its own CSRF cookie and token, as 50 browsers would), 20 rounds."""
    # All 1,000 POSTs come from 127.0.0.1; the per-IP limit is not what this test is about.
    settings.RATE_LIMITS = {"browser.link_confirm.ip": "1000000/60"}
    secrets = [_issue(make) for _ in range(HTTP_ROUNDS)]
    csrf = "k" * 32
    start = threading.Barrier(CONTENDERS)
    statuses = [[None] * CONTENDERS for _ in secrets]
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        with httpx.Client(
            base_url=live_server.url, cookies={"csrftoken": csrf}, timeout=60
        ) as http:
            try:
                for round_no, secret in enumerate(secrets):
                    # Connect before the race (keep-alive), so that 50 simultaneous connects do
                    # not overflow the test server's small accept backlog.
                    http.get("/v1beta/health")
                    start.wait(timeout=60)
                    response = http.post(
                        f"/auth/partner-login/{secret}",
                        data={"csrfmiddlewaretoken": csrf},
                        follow_redirects=False,
                    )
                    statuses[round_no][index] = response.status_code
                    http.cookies.clear()  # a fresh browser each round: no session carried over
                    http.cookies.set("csrftoken", csrf)
            except BaseException as exc:
                errors.append(exc)
                start.abort()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    for round_no, codes in enumerate(statuses):
        winners = [code for code in codes if code in {302, 303}]
        assert len(winners) == 1, f"round {round_no}: {codes}"
        losers = Counter(code for code in codes if code not in {302, 303})
        assert all(400 <= code < 500 for code in losers), f"round {round_no}: {losers}"
    assert AuditEvent.objects.filter(event="login_link.redeemed").count() == HTTP_ROUNDS
    assert LoginLink.objects.filter(used_at__isnull=False).count() == HTTP_ROUNDS
