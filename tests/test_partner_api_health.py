"""GET /v1beta/health: no key; 503 "degraded" when the cache or database is unreachable."""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils.dateparse import parse_datetime

from tests.test_accounts_authentication import UNREACHABLE

pytestmark = pytest.mark.django_db


def test_health_ok():
    response = Client().get("/v1beta/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and parse_datetime(body["timestamp"])
    assert body["checks"] == {"database": "ok", "cache": "ok"}


def test_health_degraded_when_cache_unreachable():
    with override_settings(CACHES=UNREACHABLE):
        response = Client().get("/v1beta/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] == "unavailable"


@pytest.fixture
def database_down():
    """The default connection pointed at a port nothing listens on: a real connection failure."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_health_degraded_and_api_503_when_database_unreachable(postgres, database_down):
    response = Client().get("/v1beta/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["database"] == "unavailable"
    api = Client().get("/v1beta/accounts", headers={"Authorization": "Bearer 15th_" + "a" * 43})
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert api["Retry-After"]
