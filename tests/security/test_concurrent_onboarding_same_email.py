"""Two partners onboard the same new address at the same moment (issue 11, item 10).

Users are global (one row per address), so two partners that create "their" new client with the
same address race on the users' unique email index. The loser used to get an IntegrityError,
answered 500. It must be told what it would have been told a moment later, 409 EMAIL_IN_USE,
and leave nothing behind. Real threads on PostgreSQL, released together by a barrier; each
scenario is repeated, since one round may not overlap.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Account, Membership, MembershipRole, User
from audit.models import AuditEvent
from magiclinks.models import LoginLink, Notification
from tests.partner_api_support import Api

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 6


def _race(calls) -> list:
    """Run the calls at the same moment, one thread each; returns (status, body) per call."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait()
            response = call()
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # a crash must show up as a failure, not a hung thread
            results[index] = (None, repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _api(make) -> tuple:
    partner = make.partner()
    # raise_request_exception=False: an unhandled error must come back as the 500 it would be.
    return partner, Api(make.api_key(partner), Client(raise_request_exception=False))


def _assert_one_winner(results) -> None:
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "EMAIL_IN_USE"


def _assert_nothing_half_written(fixture_memberships: set) -> None:
    # Every account has its primary holder; every event points at an account and a user that
    # exist; every member added through the API has exactly one welcome link and one event.
    assert not Account.objects.exclude(memberships__role=MembershipRole.PRIMARY).exists()
    account_ids = set(Account.objects.values_list("pk", flat=True))
    event_accounts = set(
        AuditEvent.objects.exclude(account_id=None).values_list("account_id", flat=True)
    )
    assert event_accounts <= account_ids
    user_ids = {str(pk) for pk in User.objects.values_list("pk", flat=True)}
    event_users = {
        str(pk) for pk in AuditEvent.objects.exclude(user_id=None).values_list("user_id", flat=True)
    }
    assert event_users <= user_ids
    assert not Notification.objects.filter(user=None).exists()
    for membership in Membership.objects.exclude(pk__in=fixture_memberships):
        mine = {"account_id": membership.account_id, "user_id": membership.user_id}
        assert LoginLink.objects.filter(**mine).count() == 1
        events = AuditEvent.objects.filter(event__in=["account.created", "user.added"], **mine)
        assert events.count() == 1


def _fixture_memberships() -> set:
    return set(Membership.objects.values_list("pk", flat=True))


def test_two_partners_create_an_account_for_the_same_new_address(postgres, make):
    first, second = _api(make)[1], _api(make)[1]
    fixtures = _fixture_memberships()
    for round_ in range(ROUNDS):
        email = f"new.client.{round_}@example.com"
        body = {"email": email, "first_name": "New", "last_name": "Client"}
        results = _race([lambda api=api: api.post("/accounts", body) for api in (first, second)])
        _assert_one_winner(results)
        assert User.objects.filter(email=email).count() == 1
        assert Membership.objects.filter(user__email=email).count() == 1
    _assert_nothing_half_written(fixtures)


def test_two_partners_name_the_same_new_spouse(postgres, make):
    first, second = _api(make)[1], _api(make)[1]
    fixtures = _fixture_memberships()
    for round_ in range(ROUNDS):
        spouse = {"email": f"spouse.{round_}@example.com", "first_name": "S", "last_name": "P"}
        bodies = [
            {
                "email": f"{who}.{round_}@example.com",
                "first_name": "P",
                "last_name": "Q",
                "spouse": spouse,
            }
            for who in ("first", "second")
        ]
        results = _race(
            [
                lambda api=api, body=body: api.post("/accounts", body)
                for api, body in zip((first, second), bodies, strict=True)
            ]
        )
        _assert_one_winner(results)
        # The loser's primary holder was rolled back with its account: nothing half-written.
        winner = next(i for i, (status, _) in enumerate(results) if status == 201)
        loser_primary = bodies[1 - winner]["email"]
        assert not User.objects.filter(email=loser_primary).exists()
        assert Membership.objects.filter(user__email=spouse["email"]).count() == 1
    _assert_nothing_half_written(fixtures)


def test_two_partners_add_the_same_new_user(postgres, make):
    teams = []
    for _ in range(2):
        partner, api = _api(make)
        teams.append((api, make.account(partner=partner)))
    fixtures = _fixture_memberships()
    for round_ in range(ROUNDS):
        body = {"email": f"added.{round_}@example.com", "first_name": "A", "last_name": "U"}
        results = _race(
            [
                lambda api=api, account=account: api.post(f"/accounts/{account.pk}/users", body)
                for api, account in teams
            ]
        )
        _assert_one_winner(results)
        assert Membership.objects.filter(user__email=body["email"]).count() == 1
    _assert_nothing_half_written(fixtures)


def test_create_account_races_add_user_of_another_partner(postgres, make):
    creator = _api(make)[1]
    partner, adder = _api(make)
    account = make.account(partner=partner)
    fixtures = _fixture_memberships()
    for round_ in range(ROUNDS):
        body = {"email": f"mixed.{round_}@example.com", "first_name": "M", "last_name": "X"}
        results = _race(
            [
                lambda: creator.post("/accounts", body),
                lambda: adder.post(f"/accounts/{account.pk}/users", body),
            ]
        )
        _assert_one_winner(results)
    _assert_nothing_half_written(fixtures)


def test_one_partner_adds_the_same_new_user_to_two_of_its_accounts(postgres, make):
    # The loser runs again and decides as a later request would: the address is now this
    # partner's own client, so it is reused on the second account (both 201, one user).
    partner, api = _api(make)
    accounts = [make.account(partner=partner) for _ in range(2)]
    fixtures = _fixture_memberships()
    for round_ in range(ROUNDS):
        body = {"email": f"shared.{round_}@example.com", "first_name": "S", "last_name": "H"}
        results = _race(
            [
                lambda account=account: api.post(f"/accounts/{account.pk}/users", body)
                for account in accounts
            ]
        )
        assert sorted(status for status, _ in results) == [201, 201], results
        assert User.objects.filter(email=body["email"]).count() == 1
        assert Membership.objects.filter(user__email=body["email"]).count() == 2
    _assert_nothing_half_written(fixtures)
