"""The client's IP address: the one function the audit log and every per-IP rate limit use.

Without configuration it is the peer address (REMOTE_ADDR) and X-Forwarded-For is ignored: any
client could write anything there. gunicorn does not rewrite REMOTE_ADDR from X-Forwarded-For
(`--forwarded-allow-ips` only affects the URL scheme), so behind a reverse proxy every client
would share the proxy's address, and one abuser could use up everybody's per-IP allowance. Two
settings say which hops are trusted proxies (docs/configuration.md):

- `TRUSTED_PROXIES`: CIDRs of the proxies; a hop whose address is in one of them is a proxy.
- `TRUSTED_PROXY_COUNT`: the number of proxies in front of the app that each append to
  X-Forwarded-For (Django REST framework's NUM_PROXIES); the nearest N hops are proxies.

The chain is X-Forwarded-For's entries followed by REMOTE_ADDR (nearest last). It is walked from
the right: while the current hop is a trusted proxy, the entry to its left (which that proxy
appended) is believed; the first hop that is not a proxy is the client. Walking from the right
matters: entries on the left were written by the client and prove nothing. An entry that is
not an IP address stops the walk at the last address a trusted proxy vouched for, so a
malformed header can never make the result something an untrusted party chose.
Written by hand because the rule is a few lines, and Django has no setting for it (django-ipware
would be a dependency for the same walk).
"""

import ipaddress
import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# "198.51.100.7:52100" and "[2001:db8::7]:443": forms some proxies (e.g. Azure's) write.
_V4_WITH_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$")
_V6_BRACKETED = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$")


def parse_address(raw: str) -> IPAddress | None:
    """An address from REMOTE_ADDR or one X-Forwarded-For entry; None when it is not one.
    IPv4-mapped IPv6 addresses (::ffff:10.0.0.1, from dual-stack sockets) become IPv4."""
    text = raw.strip()
    match = _V4_WITH_PORT.match(text) or _V6_BRACKETED.match(text)
    if match:
        text = match.group(1)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def trusted_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES parsed; ImproperlyConfigured names an entry that is not a network."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is not an IP address or CIDR network"
            ) from None
    return tuple(networks)


def check_settings() -> None:
    """Refuse a malformed TRUSTED_PROXIES or TRUSTED_PROXY_COUNT at start-up (AuditConfig):
    a typo must not silently trust nobody, or the wrong hops."""
    trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not isinstance(settings.TRUSTED_PROXY_COUNT, int) or settings.TRUSTED_PROXY_COUNT < 0:
        raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be a whole number, 0 or more")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (see the module docstring); None when even the peer is unusable."""
    current = parse_address(request.META.get("REMOTE_ADDR", ""))
    if current is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not count and not networks:
        return str(current)
    # The walk is bounded by the header's length, which gunicorn limits to 8 KB.
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    hops = 0
    for entry in reversed(entries):
        trusted = hops < count or any(current in network for network in networks)
        if not trusted:
            break
        previous = parse_address(entry)
        if previous is None:
            break  # malformed: keep the last address a trusted proxy vouched for
        current, hops = previous, hops + 1
    return str(current)
