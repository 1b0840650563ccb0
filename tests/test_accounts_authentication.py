"""Partner key authentication, scopes and per-key limits, over HTTP (accounts.authentication,
accounts.permissions, magiclinks.partner_api.base throttles over ratelimits)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.key_services import revoke_partner_key
from accounts.models import PartnerApiKey
from audit.actors import Actor
from tests.partner_api_support import Api, error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


def accounts(api: Api):
    return api.get("/accounts")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer 15th_short",
        "Bearer lgsk_" + "a" * 43,
        "Bearer 15th_" + "a" * 43 + " extra",
        "Token 15th_" + "a" * 43,
        "Bearer 15th_" + "a" * 43,  # well-formed but unknown
    ],
)
def test_missing_malformed_or_unknown_key_is_401_invalid(header):
    client = Api(None)
    extra = {"Authorization": header} if header is not None else {}
    response = client.get("/accounts", **extra)
    assert error_of(response) == (401, "INVALID_API_KEY")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_valid_key_is_accepted_case_insensitive_scheme(tenant):
    assert accounts(tenant.api).status_code == 200
    response = Api(None).get("/accounts", Authorization=f"bearer {tenant.key}")
    assert response.status_code == 200


def test_revoked_key_is_invalid(tenant):
    revoke_partner_key(PartnerApiKey.objects.get(partner=tenant.partner), actor=Actor.system())
    assert error_of(accounts(tenant.api)) == (401, "INVALID_API_KEY")


def test_expired_key_is_401_expired(tenant):
    PartnerApiKey.objects.filter(partner=tenant.partner).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert error_of(accounts(tenant.api)) == (401, "EXPIRED_API_KEY")


def test_key_with_future_expiry_works(tenant):
    PartnerApiKey.objects.filter(partner=tenant.partner).update(
        expires_at=timezone.now() + timedelta(days=1)
    )
    assert accounts(tenant.api).status_code == 200


def test_inactive_partner_key_is_invalid(tenant):
    tenant.partner.is_active = False
    tenant.partner.save()
    assert error_of(accounts(tenant.api)) == (401, "INVALID_API_KEY")


@pytest.mark.parametrize(
    ("scopes", "method", "path", "allowed"),
    [
        (["accounts:read"], "GET", "/accounts", 200),
        (["accounts:read"], "POST", "/accounts", False),
        (["accounts:write"], "GET", "/accounts", False),
        (["accounts:read"], "POST", "/accounts/{id}/login-link", False),
        (["links:write"], "POST", "/accounts/{id}/login-link", 201),
        (["accounts:read"], "GET", "/accounts/{id}/activity", False),
        (["activity:read"], "GET", "/accounts/{id}/activity", 200),
        (["activity:read"], "GET", "/accounts/{id}", False),
        ([], "GET", "/accounts", False),
    ],
)
def test_scopes(tenant, make, scopes, method, path, allowed):
    """`allowed` is the status the call gets with the scope, False when the key lacks it."""
    api = Api(make.api_key(tenant.partner, name="scoped", scopes=scopes))
    path = path.format(id=tenant.account.pk)
    response = (
        api.get(path)
        if method == "GET"
        else api.post(path, {"first_name": "x"} if path == "/accounts" else {})
    )
    if allowed:
        assert response.status_code == allowed, response.content
    else:
        assert error_of(response) == (403, "INSUFFICIENT_PERMISSIONS")


def test_last_used_at_is_written_at_most_once_a_minute(tenant):
    key = PartnerApiKey.objects.get(partner=tenant.partner)
    assert key.last_used_at is None
    accounts(tenant.api)
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        accounts(tenant.api)
    assert not any("UPDATE" in q["sql"] and "partnerapikey" in q["sql"].lower() for q in queries)
    key.refresh_from_db()
    assert key.last_used_at == first
    PartnerApiKey.objects.filter(pk=key.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2)
    )
    accounts(tenant.api)
    key.refresh_from_db()
    assert key.last_used_at > first


def test_per_minute_limit_with_partner_override(tenant, make):
    tenant.partner.rate_limit_per_minute = 3
    tenant.partner.save()
    statuses = [accounts(tenant.api).status_code for _ in range(3)]
    response = accounts(tenant.api)
    assert statuses == [200, 200, 200]
    assert error_of(response) == (429, "RATE_LIMIT_EXCEEDED")
    details = response.json()["error"]["details"]
    assert (details["limit"], details["window_seconds"]) == (3, 60)
    assert details["reset_at"].endswith("Z")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "retry after" in response.json()["error"]["message"]
    # The limit is per key: another key of the same partner still works.
    assert accounts(Api(make.api_key(tenant.partner, name="second"))).status_code == 200


def test_per_day_limit(tenant):
    tenant.partner.rate_limit_per_day = 2
    tenant.partner.save()
    assert [accounts(tenant.api).status_code for _ in range(2)] == [200, 200]
    response = accounts(tenant.api)
    assert error_of(response) == (429, "RATE_LIMIT_EXCEEDED")
    assert response.json()["error"]["details"]["window_seconds"] == 86_400


def test_default_limit_is_100_per_minute(tenant):
    assert all(accounts(tenant.api).status_code == 200 for _ in range(100))
    response = accounts(tenant.api)
    assert error_of(response) == (429, "RATE_LIMIT_EXCEEDED")
    assert response.json()["error"]["details"]["limit"] == 100


def test_health_has_no_key_and_no_limit(tenant):
    tenant.partner.rate_limit_per_minute = 1
    tenant.partner.save()
    assert all(Api(None).get("/health").status_code == 200 for _ in range(5))


UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


def test_unreachable_limit_store_is_503_service_unavailable(tenant):
    with override_settings(CACHES=UNREACHABLE):
        response = accounts(tenant.api)
    assert error_of(response) == (503, "SERVICE_UNAVAILABLE")
    assert int(response["Retry-After"]) > 0
