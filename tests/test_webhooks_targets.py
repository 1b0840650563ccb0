"""webhooks.targets, the SSRF guard: https only (http with a setting), no credentials, every
resolved address public unless WEBHOOK_ALLOW_PRIVATE_TARGETS, and the checked address pinned."""

import ipaddress
import socket

import pytest

from webhooks import targets
from webhooks.targets import TargetRefused, check_url

PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    """Answer getaddrinfo from a dict (no network): host → list of addresses."""
    answers: dict[str, list[str]] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror("no such host")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


def test_a_public_https_url_is_accepted_and_pinned(dns):
    dns["hooks.example.com"] = [PUBLIC]
    target = check_url("https://hooks.example.com/in?x=1")
    assert target == targets.Target(
        "https", "hooks.example.com", 443, "/in?x=1", ipaddress.ip_address(PUBLIC)
    )


def test_http_needs_debug_or_the_setting(dns, settings):
    dns["hooks.example.com"] = [PUBLIC]
    with pytest.raises(TargetRefused, match="https"):
        check_url("http://hooks.example.com/in")
    settings.WEBHOOK_ALLOW_HTTP = True
    assert check_url("http://hooks.example.com/in").port == 80
    settings.WEBHOOK_ALLOW_HTTP, settings.DEBUG = False, True
    assert check_url("http://hooks.example.com/in").scheme == "http"


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/", "file:///etc/passwd", "hooks.example.com"]
)
def test_other_schemes_are_refused(url):
    with pytest.raises(TargetRefused):
        check_url(url)


def test_credentials_in_the_url_are_refused(dns):
    dns["hooks.example.com"] = [PUBLIC]
    with pytest.raises(TargetRefused, match="credentials"):
        check_url("https://user:pw@hooks.example.com/")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "10.1.2.3",  # private
        "172.16.0.5",
        "192.168.1.1",
        "169.254.169.254",  # link-local: cloud metadata
        "100.64.0.1",  # shared address space
        "0.0.0.0",  # unspecified
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
    ],
)
def test_internal_addresses_are_refused(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(TargetRefused, match="private"):
        check_url(f"https://{host}/hook")


def test_a_name_resolving_to_any_internal_address_is_refused(dns):
    dns["rebind.example.com"] = [PUBLIC, "10.0.0.7"]
    with pytest.raises(TargetRefused, match="private"):
        check_url("https://rebind.example.com/hook")


def test_an_unknown_host_is_refused(dns):
    with pytest.raises(TargetRefused, match="does not resolve"):
        check_url("https://nowhere.example.com/hook")


def test_private_targets_can_be_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert str(check_url("https://10.1.2.3:8443/hook").address) == "10.1.2.3"
