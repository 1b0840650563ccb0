"""One lock order everywhere: a link being issued and a link being redeemed for the same person
at the same moment must not deadlock (real threads, PostgreSQL).

Issuing locks the person's row, then supersedes their open links (which locks those rows).
Redeeming used to lock the link first (the consuming UPDATE) and the person afterwards
(/auth/v1/verify's side effects, the session's last_login): the opposite order. Each test below
forces the interleaving that deadlocks under the old order instead of hoping a race finds it:
a third connection holds the person's row, the issuer queues on it first, the redeemer second
(under the old order it has already consumed the link by then), and the holder lets go.
PostgreSQL's deadlock detector would then abort one of them (psycopg DeadlockDetected). With
the one order (person, then links) the redeemer waits for the person before touching the link:
the issue commits, superseding the link, and the redemption is refused as "invalidated".
"""

import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction

from accounts.models import User
from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LinkPurpose, LoginLink
from supabase_api.flows import admin_links
from supabase_api.flows.errors import VerifyFailed
from supabase_api.flows.verify import verify_secret
from tests.pg_locks import wait_until_waiting

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


def _in_thread(target: Callable[[], object], results: dict, name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = target()
        except BaseException as exc:  # inspected by the test
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _race(user: User, issue: Callable[[], object], redeem: Callable[[], object]) -> dict:
    results: dict = {}
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
            holding.set()
            release.wait(timeout=20)

    holder = _in_thread(hold, results, "holder")
    assert holding.wait(timeout=10)
    issuer = _in_thread(issue, results, "issue")
    wait_until_waiting(1)  # the issuer queues on the person's row first
    redeemer = _in_thread(redeem, results, "redeem")
    wait_until_waiting(2)  # then the redeemer (old order: with the link already consumed)
    release.set()
    for thread in (holder, issuer, redeemer):
        thread.join(timeout=30)
    return results


def test_generate_link_and_verify_of_the_same_person_do_not_deadlock():
    user = User.objects.create_user("kim@example.com")
    request = admin_links.LinkRequest(type=LinkKind.MAGICLINK, email=user.email)
    old = admin_links.create_link(request, actor=Actor.system("test"))

    results = _race(
        user,
        lambda: admin_links.create_link(request, actor=Actor.system("test")),
        lambda: verify_secret(old.issued.secret, "magiclink"),
    )

    assert isinstance(results["issue"], admin_links.GeneratedLink), results["issue"]
    # Not a deadlock: the redemption waited for the issue and found its link superseded.
    assert isinstance(results["redeem"], VerifyFailed), results["redeem"]
    old_link = LoginLink.objects.get(pk=old.issued.link.pk)
    assert old_link.used_at is None and old_link.invalidated_at is not None
    assert LoginLink.objects.get(pk=results["issue"].issued.link.pk).is_active


@pytest.mark.usefixtures("redis_cache")
def test_password_reset_and_its_browser_redeem_do_not_deadlock():
    from django.test import Client
    from django.urls import reverse

    from magiclinks.flows.password_reset import request_password_reset

    user = User.objects.create_user("lee@example.com", password="a long enough password 1")
    old = issue_link(
        user=user,
        kind=LinkKind.RECOVERY,
        actor=Actor.system("test"),
        lifetime=timedelta(hours=1),
        purpose=LinkPurpose.LOST_CREDENTIALS,
    )

    results = _race(
        user,
        lambda: request_password_reset(user.email),
        lambda: Client().post(reverse("browser:reset", args=[old.secret])).status_code,
    )

    assert results["issue"] is True, results["issue"]
    assert results["redeem"] == 410 or results["redeem"] == 400 or results["redeem"] < 500, results
    old_link = LoginLink.objects.get(pk=old.link.pk)
    assert old_link.used_at is None and old_link.invalidated_at is not None


def test_many_issues_and_verifies_for_one_person_all_finish():
    """The storm version: N threads issuing for the person while N redeem their links."""
    user = User.objects.create_user("max@example.com")
    request = admin_links.LinkRequest(type=LinkKind.MAGICLINK, email=user.email)
    threads, errors = 8, []
    secrets = [
        issue_link(
            user=user,
            kind=LinkKind.RECOVERY,
            actor=Actor.system("test"),
            lifetime=timedelta(hours=1),
        ).secret
        for _ in range(threads)
    ]
    start = threading.Barrier(threads * 2)

    def issuer() -> None:
        try:
            start.wait(timeout=20)
            for _ in range(5):
                admin_links.create_link(request, actor=Actor.system("test"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def redeemer(secret: str) -> None:
        try:
            start.wait(timeout=20)
            for _ in range(5):
                with contextlib.suppress(VerifyFailed):
                    verify_secret(secret, "recovery")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=issuer) for _ in range(threads)]
    pool += [threading.Thread(target=redeemer, args=(s,)) for s in secrets]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert errors == []
