"""Redis down: the APIs and pages answer a clear 503 (limits fail closed), never a 500 or an
HTML page from an API; RATELIMIT_FAIL_OPEN=true keeps serving; everything recovers by itself when
Redis returns.

"Down" is real: each test starts its own redis-server on a free port (the shared server must stay
up for everyone else), points the cache at it, kills it and restarts it on the same port.
"""

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.test import override_settings

from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LoginLink

from .conftest import IN_CI


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisProcess:
    """A private redis-server that the test can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server binary not installed")
    server = RedisProcess()
    server.start()
    caches = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Django rebuilds its cache handlers when CACHES changes, so the app now talks to this server.
    with override_settings(CACHES=caches, RATELIMIT_ENABLE=True, RATELIMIT_FAIL_OPEN=False):
        yield server
    server.stop()


@pytest.fixture
def partner_setup(make):
    partner = make.partner()
    key = make.api_key(partner)
    account = make.account(partner)
    return account, {"Authorization": f"Bearer {key}"}


def _issue(client, account, headers):
    return client.post(
        f"/v1beta/accounts/{account.pk}/login-link",
        {"send_notification": False},
        content_type="application/json",
        headers=headers,
    )


def assert_503_envelope(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.django_db
def test_partner_api_fails_closed_with_503_and_recovers(client, private_redis, partner_setup):
    account, headers = partner_setup
    assert _issue(client, account, headers).status_code == 201

    private_redis.stop()
    for _ in range(3):
        assert_503_envelope(_issue(client, account, headers))
    # Failing closed wrote nothing: still exactly the one link from before the outage.
    assert LoginLink.objects.filter(account=account).count() == 1

    private_redis.start()  # same port, empty: nothing in the app is restarted or reset
    response = _issue(client, account, headers)
    assert response.status_code == 201, response.content[:300]
    assert LoginLink.objects.filter(account=account).count() == 2


@pytest.mark.django_db
def test_fail_open_keeps_serving_while_redis_is_down(client, private_redis, partner_setup):
    account, headers = partner_setup
    private_redis.stop()
    with override_settings(RATELIMIT_FAIL_OPEN=True):
        response = _issue(client, account, headers)
    assert response.status_code == 201, response.content[:300]


@pytest.mark.django_db
def test_admin_api_answers_503_in_gotrue_format(client, private_redis):
    private_redis.stop()
    response = client.post(
        "/auth/v1/verify",
        {"type": "magiclink", "token_hash": "0" * 64},
        content_type="application/json",
        headers={"X-Supabase-Api-Version": "2024-01-01"},
    )
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"]
    body = response.json()
    assert isinstance(body["code"], str) and body["message"]
    assert response["x-sb-error-code"] == body["code"]


@pytest.mark.django_db
def test_browser_redemption_answers_a_503_page_and_keeps_the_link(client, private_redis, make):
    account = make.account()
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    client.get(f"/auth/partner-login/{issued.secret}")  # the confirmation page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    private_redis.stop()
    response = client.post(f"/auth/partner-login/{issued.secret}", {"csrfmiddlewaretoken": token})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Traceback" not in response.content.decode()
    # The link was not consumed: the person can click again once Redis is back.
    assert LoginLink.objects.get(pk=issued.link.pk).used_at is None
    private_redis.start()
    response = client.post(f"/auth/partner-login/{issued.secret}", {"csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert LoginLink.objects.get(pk=issued.link.pk).used_at is not None


def test_the_cache_reuses_one_client_per_pool(private_redis):
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.set("reuse", 1)
    assert cache.incr("reuse") == 2


def test_incr_is_atomic_and_keeps_the_expiry(private_redis):
    from django.core.cache import cache

    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.get("missing") is None  # not created by the failed increment
    cache.set("window", 5, timeout=60)
    assert cache.incr("window") == 6
    assert cache.incr("window", 4) == 10
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("window")) <= 60
