"""magiclinks.partner_api.authentication: under /accounts/{id} the key and the account are read in
one statement; what is checked, and who sees which account, is unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.key_services import revoke_partner_key
from accounts.models import Account, PartnerApiKey
from audit.actors import Actor
from tests.partner_api_support import Api, error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


def test_the_key_and_the_account_are_one_statement(tenant):
    tenant.api.get(f"/accounts/{tenant.account.pk}")  # warm: last_used_at
    with CaptureQueriesContext(connection) as ctx:
        response = tenant.api.get(f"/accounts/{tenant.account.pk}")
    assert response.status_code == 200
    assert response.json()["email"] == "john.doe@example.com"
    assert len(ctx.captured_queries) == 1, [q["sql"][:80] for q in ctx.captured_queries]


def test_another_partners_account_is_not_found_through_the_join(tenant, other_tenant):
    response = tenant.api.get(f"/accounts/{other_tenant.account.pk}")
    assert error_of(response) == (404, "ACCOUNT_NOT_FOUND")
    response = tenant.api.post(f"/accounts/{other_tenant.account.pk}/login-link", {})
    assert error_of(response) == (404, "ACCOUNT_NOT_FOUND")


def test_a_revoked_key_gets_401_whatever_account_it_names(tenant):
    key = PartnerApiKey.objects.get(partner=tenant.partner)
    revoke_partner_key(key, actor=Actor.system("test"))
    response = tenant.api.get(f"/accounts/{tenant.account.pk}")
    assert error_of(response) == (401, "INVALID_API_KEY")
    assert "john.doe" not in response.content.decode()


def test_an_unknown_key_gets_401_on_an_account_path(tenant):
    response = Api("15th_" + "x" * 43).get(f"/accounts/{tenant.account.pk}")
    assert error_of(response) == (401, "INVALID_API_KEY")


@pytest.mark.parametrize("account_id", [0, 2**63, 10**30])
def test_account_ids_out_of_range_are_not_found(tenant, account_id):
    response = tenant.api.get(f"/accounts/{account_id}")
    assert error_of(response) == (404, "ACCOUNT_NOT_FOUND")


def test_an_account_without_members_is_still_found(tenant):
    bare = Account.objects.create(partner=tenant.partner)
    response = tenant.api.get(f"/accounts/{bare.pk}")
    assert response.status_code == 200
    assert response.json()["users"] == []


def test_paths_without_an_account_read_the_key_alone(tenant):
    with CaptureQueriesContext(connection) as ctx:
        assert tenant.api.get("/accounts").status_code == 200
    assert 'FROM "accounts_partnerapikey"' in ctx.captured_queries[0]["sql"]
