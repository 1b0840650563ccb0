"""webhooks.transport: the POST goes to the checked address whatever the name resolves to now
(DNS rebinding), carries the name in Host, follows no redirect and reports a refused port."""

import ipaddress

from webhooks import transport
from webhooks.targets import Target

from .webhook_receiver import Receiver


def _target(receiver: Receiver, host: str = "hooks.example.invalid") -> Target:
    port = receiver.server.server_port
    return Target("http", host, port, "/in?x=1", ipaddress.ip_address("127.0.0.1"))


def test_the_connection_uses_the_pinned_address_and_the_name_in_host(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    with Receiver() as receiver:
        # The name does not resolve at all: only the pinned address can have been used.
        result = transport.post(_target(receiver), b"{}", {"X-Test": "1"})
    assert result == transport.Result(200, "")
    (request,) = receiver.received
    assert request.path == "/in?x=1"
    assert request.headers["Host"] == f"hooks.example.invalid:{receiver.server.server_port}"
    assert request.headers["User-Agent"] == "Linkgate-Webhooks/1"
    assert request.headers["X-Test"] == "1" and request.body == b"{}"


def test_a_redirect_is_a_failure_and_is_not_followed(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    with Receiver(responses=[302]) as receiver:
        result = transport.post(_target(receiver), b"{}", {})
    assert result == transport.Result(302, "HTTP 302") and not result.ok
    assert len(receiver.received) == 1


def test_a_closed_port_is_a_connection_failure_without_the_url(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    with Receiver() as receiver:
        target = _target(receiver)
    result = transport.post(target, b"{}", {})  # the receiver is closed now
    assert result.status_code is None
    assert result.error.startswith("connection failed") and "example" not in result.error
