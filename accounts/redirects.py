"""Partner redirect URLs: the only check between a partner's `redirect_url` and a browser.

`validate_partner_redirect()` is called when a link is issued and again when it is redeemed, so
a rule tightened later also protects links issued before. It accepts an absolute `https` URL
whose host is one of the partner's permitted domains or a subdomain of one, and returns it in a
normalised form (lower-case scheme, ASCII/punycode host, no default port). Anything else raises
`ValueError` with a message that can be shown to the partner.

Rules and why:
- Control, format (zero-width, bidi) and whitespace characters, and backslashes, are refused
  before parsing: browsers strip or reinterpret them (WHATWG URL treats `\\` as `/` and drops
  tabs/newlines), so the host Python sees could differ from the host the browser visits.
- The URL must start with `https://`: this rules out other schemes, scheme-relative `//host`,
  `https:host` and `https:/host`, which parsers disagree about.
- No user-info (`user:pass@`): it hides the real host from a human reader and from naive checks.
- No `%` in the authority: percent-encoded host characters are decoded by some clients only.
- Ports: none or the default 443; any other port is refused (a permitted host on another port
  may be a different service, and partners have no reason to send one).
- Hosts are compared after IDNA 2008 + UTS #46 mapping (as browsers do), so a look-alike made of
  other scripts becomes a different punycode name and does not match; IP literals never match.
- Matching is by whole labels: `a.yourplatform.com` matches `yourplatform.com`,
  `evilyourplatform.com` and `yourplatform.com.evil.com` do not.
"""

import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import idna

from .domains import normalize_domain

MAX_REDIRECT_LENGTH = 2048
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
_LDH_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _ascii_host(host: str) -> str:
    """The host as browsers would resolve it (IDNA 2008 + UTS #46), or ValueError."""
    if host.startswith("[") or re.fullmatch(r"[0-9.]+", host) or ":" in host:
        raise ValueError("redirect_url must use a domain name, not an IP address")
    if host.endswith("."):
        raise ValueError("redirect_url host must not end with a dot")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError("redirect_url host is not a valid domain name") from exc
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LDH_LABEL.match(label) for label in labels):
        raise ValueError("redirect_url host is not a valid domain name")
    return ascii_host


def _permitted(permitted_domains: list[str]) -> list[str]:
    normalised = []
    for domain in permitted_domains or []:
        try:
            normalised.append(normalize_domain(str(domain)))
        except ValueError:
            continue  # a malformed entry in the admin permits nothing rather than failing
    return normalised


def host_is_permitted(ascii_host: str, permitted_domains: list[str]) -> bool:
    """True when the host equals a permitted domain or is a subdomain of one (whole labels)."""
    return any(
        ascii_host == domain or ascii_host.endswith("." + domain)
        for domain in _permitted(permitted_domains)
    )


def validate_partner_redirect(url: str, permitted_domains: list[str]) -> str:
    """Return `url` normalised if it is a safe redirect for this partner; else ValueError."""
    if not isinstance(url, str) or not url:
        raise ValueError("redirect_url must be a non-empty string")
    if len(url) > MAX_REDIRECT_LENGTH:
        raise ValueError(f"redirect_url must be at most {MAX_REDIRECT_LENGTH} characters")
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in url):
        raise ValueError("redirect_url must not contain whitespace or control characters")
    if "\\" in url:
        raise ValueError("redirect_url must not contain backslashes")
    if not url[:8].lower() == "https://":
        raise ValueError("redirect_url must be an absolute URL starting with https://")
    if _BAD_PERCENT.search(url):
        raise ValueError("redirect_url contains a malformed percent-encoding")

    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise ValueError("redirect_url is not a valid URL") from exc
    authority = parts.netloc
    if not authority:
        raise ValueError("redirect_url must include a host")
    if "@" in authority:
        raise ValueError("redirect_url must not contain credentials (user-info)")
    if "%" in authority:
        raise ValueError("redirect_url host must not be percent-encoded")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("redirect_url has an invalid port") from exc
    if port is not None and port != 443:
        raise ValueError("redirect_url must not name a port other than 443")
    host = authority.rsplit(":", 1)[0] if port is not None or authority.endswith(":") else authority
    if not host:
        raise ValueError("redirect_url must include a host")
    ascii_host = _ascii_host(host.lower())
    if not host_is_permitted(ascii_host, permitted_domains):
        raise ValueError("redirect_url host is not one of the partner's permitted domains")
    return urlunsplit(("https", ascii_host, parts.path, parts.query, parts.fragment))
