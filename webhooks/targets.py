"""The SSRF guard: which URLs a webhook may be sent to, and the address it is sent to.

Security: a partner chooses the URL, and our server makes the request, so an unchecked URL would
let a partner reach our internal network (metadata services, Redis, the admin). Rules:
- https only, unless DEBUG or WEBHOOK_ALLOW_HTTP (local development, tests);
- no credentials in the URL (they would be logged and sent by any redirect);
- the host is resolved here and EVERY address it resolves to must be a public unicast one
  (private, loopback, link-local, multicast, reserved, unspecified, shared-address and
  IPv4-mapped forms of those are refused) unless WEBHOOK_ALLOW_PRIVATE_TARGETS;
- the request then goes to the address checked here (webhooks.transport pins it), so a DNS
  answer that changes between the check and the connection (DNS rebinding) cannot redirect it.
The check runs when an endpoint is saved and again before every delivery.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as given
    address: IPAddress  # the checked address the connection must use


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_link_local
    )


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"the host {host!r} does not resolve") from exc
    # Scope ids (fe80::1%eth0) are dropped: such addresses are link-local and refused anyway.
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_url(url: str) -> Target:
    """The Target for `url`, or TargetRefused saying which rule it breaks."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allow_http = settings.DEBUG or settings.WEBHOOK_ALLOW_HTTP
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise TargetRefused("the URL must use https")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL must not contain credentials")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("the URL's port is not valid") from exc
    addresses = _resolve(parts.hostname, port)
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        refused = [address for address in addresses if not _is_public(address)]
        if refused or not addresses:
            raise TargetRefused(
                "the host resolves to a private, loopback, link-local or reserved address"
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, parts.hostname, port, path, addresses[0])
