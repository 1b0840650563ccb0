"""Per-IP limits behind a reverse proxy.

The review's attack: gunicorn does not rewrite REMOTE_ADDR from X-Forwarded-For, so behind a
proxy every client had the proxy's address. 31 requests from an attacker (each with a different
X-Forwarded-For, which changed nothing) used up the /auth/v1/verify allowance of *everybody*, and
the victim's correct one-time code was answered 429.

With TRUSTED_PROXIES (CIDRs) or TRUSTED_PROXY_COUNT (hops) the client address is read from the
X-Forwarded-For entries appended by trusted proxies, right to left, and an address written by
anybody else is never believed. The live tests put a real reverse proxy (a thread in this file
that appends the peer address to X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for` does)
in front of the live server, and connect from different loopback addresses (127.0.0.2,
127.0.0.3, … are all loopback on Linux).
"""

import http.client
import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from supabase_api.flows.admin_links import LinkRequest, create_link
from tests.supabase_api_support import V2024

APP = "https://app.example.com"
PROXY_ADDRESS = "127.0.0.1"  # the proxy's own address, as the app sees it
ATTACKER, VICTIM = "127.0.0.2", "127.0.0.3"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = APP
    settings.ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES = 30  # the default the review attacked


# --- a real reverse proxy --------------------------------------------------------------------


def _proxy_handler(upstream: tuple[str, int]) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        """Forward the request upstream, appending the peer's address to X-Forwarded-For."""

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in HOP_BY_HOP | {"x-forwarded-for"}
            }
            chain = [*(self.headers.get_all("X-Forwarded-For") or []), self.client_address[0]]
            headers["X-Forwarded-For"] = ", ".join(chain)
            connection = http.client.HTTPConnection(
                *upstream, timeout=30, source_address=(PROXY_ADDRESS, 0)
            )
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            finally:
                connection.close()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = forward

        def log_message(self, *args) -> None:
            pass

    return Forward


@pytest.fixture
def proxy(live_server):
    upstream = ("127.0.0.1", live_server.thread.port)
    server = ThreadingHTTPServer((PROXY_ADDRESS, 0), _proxy_handler(upstream))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def call(port: int, source: str, path: str, body: dict, **headers: str) -> tuple[int, dict]:
    """POST JSON to 127.0.0.1:`port` from the loopback address `source`."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", **V2024, **headers},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def victims_code() -> str:
    User.objects.create_user("victim@example.com", email_confirmed_at=timezone.now())
    generated = create_link(
        LinkRequest(
            type="magiclink",
            email="victim@example.com",
            redirect_to=APP,
            lifetime=timedelta(hours=1),
        ),
        actor=Actor.system("tests"),
    )
    return generated.issued.otp


def attack(port: int, source: str = ATTACKER, count: int = 31) -> list[int]:
    """`count` wrong verifications, each with a different forged X-Forwarded-For."""
    return [
        call(
            port,
            source,
            "/auth/v1/verify",
            {"type": "magiclink", "token_hash": f"{attempt:064x}"},
            **{"X-Forwarded-For": f"198.51.100.{attempt + 1}"},
        )[0]
        for attempt in range(count)
    ]


def verify_victim(port: int) -> tuple[int, dict]:
    return call(
        port,
        VICTIM,
        "/auth/v1/verify",
        {"type": "magiclink", "email": "victim@example.com", "token": victims_code()},
    )


TRUST = [
    pytest.param({"TRUSTED_PROXIES": ["127.0.0.1/32"]}, id="TRUSTED_PROXIES"),
    pytest.param({"TRUSTED_PROXY_COUNT": 1}, id="TRUSTED_PROXY_COUNT"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trust", TRUST)
def test_behind_a_real_proxy_the_attacker_is_limited_and_the_victim_is_not(proxy, settings, trust):
    for name, value in trust.items():
        setattr(settings, name, value)
    statuses = attack(proxy)
    assert 429 not in statuses[:30], statuses
    assert statuses[30] == 429  # the attacker IS limited, whatever X-Forwarded-For it forges
    status, body = verify_victim(proxy)
    assert status == 200, body  # the victim's correct code still works
    assert body["user"]["email"] == "victim@example.com"


@pytest.mark.django_db(transaction=True)
def test_bypassing_the_proxy_with_a_forged_header_does_not_help(live_server, proxy, settings):
    """An attacker who reaches the app directly is not a trusted proxy: its header is ignored."""
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    statuses = attack(live_server.thread.port, source=ATTACKER)
    assert statuses[30] == 429
    status, _ = verify_victim(proxy)
    assert status == 200


# --- the derivation, request by request ------------------------------------------------------


def post_verify(remote_addr: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return Client(REMOTE_ADDR=remote_addr).post(
        "/auth/v1/verify",
        {"type": "magiclink", "token_hash": "0" * 64},
        content_type="application/json",
        headers={**V2024, **headers},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "trust",
    [
        pytest.param({}, id="nothing-trusted"),
        pytest.param({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, id="peer-not-in-TRUSTED_PROXIES"),
    ],
)
def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(settings, trust):
    for name, value in trust.items():
        setattr(settings, name, value)
    settings.ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES = 3
    for attempt in range(3):
        assert post_verify("203.0.113.9", f"192.0.2.{attempt}").status_code == 403
    assert post_verify("203.0.113.9", "192.0.2.99").status_code == 429  # the peer is counted
    assert post_verify("203.0.113.10").status_code == 403  # another peer is not affected


@pytest.mark.django_db
def test_entries_left_of_the_trusted_chain_are_not_believed(settings):
    """Through a trusted proxy, the client can still prepend anything; only the entry the proxy
    appended counts, so rotating the prepended part does not escape the limit."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES = 3
    for attempt in range(3):
        chain = f"192.0.2.{attempt}, 198.51.100.7"
        assert post_verify("10.0.0.1", chain).status_code == 403
    assert post_verify("10.0.0.1", "192.0.2.200, 198.51.100.7").status_code == 429
    assert post_verify("10.0.0.1", "198.51.100.8").status_code == 403


@pytest.mark.django_db
def test_browser_page_limits_use_the_same_client_address(settings):
    """The end-user pages' per-IP limits (ratelimits.counting) derive the address the
    same way: 10 password-reset requests per hour per client, not per proxy."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def forgot(client_address: str, n: int):
        return Client(REMOTE_ADDR="10.0.0.1").post(
            "/auth/password/forgot/",
            {"email": f"person{n}@example.com"},
            headers={"X-Forwarded-For": client_address},
        )

    for n in range(10):
        assert forgot("198.51.100.7", n).status_code == 200
    assert forgot("198.51.100.7", 10).status_code == 429
    assert forgot("198.51.100.8", 11).status_code == 200


@pytest.mark.django_db
def test_the_audit_log_records_the_client_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    User.objects.create_user("known@example.com", email_confirmed_at=timezone.now())
    response = Client(REMOTE_ADDR="10.0.0.1").post(
        "/auth/v1/otp",
        {"email": "known@example.com"},
        content_type="application/json",
        headers={**V2024, "X-Forwarded-For": "192.0.2.1, 198.51.100.7"},
    )
    assert response.status_code == 200
    events = AuditEvent.objects.all()
    assert events and {event.ip_address for event in events} == {"198.51.100.7"}


@pytest.mark.parametrize(
    ("trust", "remote_addr", "forwarded_for", "expected"),
    [
        # Nothing trusted (the default): the peer, whatever the header says.
        ({}, "203.0.113.9", "192.0.2.1", "203.0.113.9"),
        ({}, "203.0.113.9", None, "203.0.113.9"),
        # CIDRs: walk right to left while the hop is a trusted proxy.
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "10.0.0.1", "198.51.100.7", "198.51.100.7"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "203.0.113.9", "198.51.100.7", "203.0.113.9"),
        (
            {"TRUSTED_PROXIES": ["10.0.0.0/8"]},
            "10.0.0.1",
            "192.0.2.1, 198.51.100.7, 10.0.0.2",
            "198.51.100.7",
        ),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8", "2001:db8::/32"]}, "2001:db8::1", "1.2.3.4", "1.2.3.4"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "10.0.0.1", "10.0.0.2", "10.0.0.2"),  # all trusted
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "10.0.0.1", None, "10.0.0.1"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "::ffff:10.0.0.1", "198.51.100.7", "198.51.100.7"),
        # Hop count: the client is the entry the outermost of N proxies appended.
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "192.0.2.1, 198.51.100.7", "198.51.100.7"),
        ({"TRUSTED_PROXY_COUNT": 2}, "10.0.0.1", "192.0.2.1, 198.51.100.7", "192.0.2.1"),
        ({"TRUSTED_PROXY_COUNT": 2}, "10.0.0.1", "198.51.100.7, 10.0.0.2", "198.51.100.7"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", None, "10.0.0.1"),
        # Malformed entries: stop at the last address a trusted hop vouched for.
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "garbage", "10.0.0.1"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "", "10.0.0.1"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", " , ,", "10.0.0.1"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "999.1.1.1", "10.0.0.1"),
        ({"TRUSTED_PROXY_COUNT": 2}, "10.0.0.1", "1.2.3.4, <script>", "10.0.0.1"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "10.0.0.1", "junk, 10.0.0.5", "10.0.0.5"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "1.2.3.4" + ",1.2.3.4" * 5000, "1.2.3.4"),
        # Forms some proxies write: a port, brackets, surrounding spaces.
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "198.51.100.7:52100", "198.51.100.7"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        ({"TRUSTED_PROXY_COUNT": 1}, "10.0.0.1", "  2001:DB8::7 ", "2001:db8::7"),
        # No usable peer at all.
        ({"TRUSTED_PROXY_COUNT": 1}, "", "198.51.100.7", None),
        ({}, "not-an-ip", None, None),
    ],
)
def test_client_ip_derivation(settings, trust, remote_addr, forwarded_for, expected):
    from audit.client_ip import client_ip

    settings.TRUSTED_PROXIES = trust.get("TRUSTED_PROXIES", [])
    settings.TRUSTED_PROXY_COUNT = trust.get("TRUSTED_PROXY_COUNT", 0)
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)
    assert client_ip(request) == expected


@pytest.mark.parametrize(
    "env",
    [
        {"TRUSTED_PROXIES": "10.0.0.0/8,not-a-network"},
        {"TRUSTED_PROXIES": "10.0.0.1/33"},
        {"TRUSTED_PROXY_COUNT": "-1"},
    ],
)
def test_a_malformed_proxy_setting_stops_the_start(env):
    """A typo must not silently trust nobody (or everybody): the process refuses to start."""
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and next(iter(env)) in result.stderr
