"""30 simultaneous login-link requests for one account (real threads, PostgreSQL, Redis)."""

import threading

import pytest
from django.db import connection

from magiclinks.models import LoginLink
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
