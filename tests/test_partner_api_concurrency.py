"""30 simultaneous login-link requests for one account (real threads, PostgreSQL, Redis)."""

import threading

import pytest
from django.db import connection

from audit.actors import Actor
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link
from magiclinks.models import LoginLink
from magiclinks.partner_api.queries import partner_account
from tests.partner_api_support import Api

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db(transaction=True)


def test_thirty_concurrent_requests_issue_exactly_ten_links(postgres, redis_cache, make):
    partner = make.partner()
    key = make.api_key(partner)
    account = make.account(partner=partner)
    barrier = threading.Barrier(30)
    statuses: list[int] = []
    lock = threading.Lock()

    def request() -> None:
        try:
            api = Api(key)
            barrier.wait()
            response = api.post(f"/accounts/{account.pk}/login-link", {"send_notification": False})
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201] * 10 + [429] * 20
    assert LoginLink.objects.filter(account=account).count() == 10
    # Each issue superseded the previous one: exactly one is still active.
    assert LoginLink.objects.active().filter(account=account).count() == 1


def test_api_issues_and_staff_issues_for_one_person_leave_one_active_link(
    postgres, redis_cache, make
):
    # The API's issue locks only the account (with its lookup); the admin button's locks the
    # account and the person. Both take the account's lock first, so they serialise: whatever
    # the interleaving, one link of the account stays active and nobody deadlocks.
    partner = make.partner()
    partner.login_links_per_account_per_hour = 100
    partner.save()
    key = make.api_key(partner)
    account = make.account(partner=partner)
    staff = make.user(is_staff=True)
    barrier = threading.Barrier(12)
    outcomes: list[object] = []
    lock = threading.Lock()

    def by_api() -> None:
        try:
            api = Api(key)
            barrier.wait()
            response = api.post(f"/accounts/{account.pk}/login-link", {"send_notification": False})
            outcome = response.status_code
        except Exception as exc:  # recorded, so a deadlock or error fails the assertion
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    def by_staff() -> None:
        try:
            barrier.wait()
            generate_partner_link(
                partner_account(partner, account.pk),
                PartnerLinkOptions(send_notification=False),
                actor=Actor.staff(staff),
            )
            outcome = 201
        except Exception as exc:
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=by_api if i % 2 else by_staff) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == [201] * 12
    assert LoginLink.objects.filter(account=account).count() == 12
    assert LoginLink.objects.active().filter(account=account).count() == 1
