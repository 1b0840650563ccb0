"""Redirect URLs: the only check between a caller-supplied URL and a browser.

`parse_redirect_url()` holds the parsing rules both APIs share: it refuses every form whose host a
browser could read differently from Python, and returns the URL split with its host in the form
a browser resolves (ASCII/punycode, lower case). Two policies use it:

- `validate_partner_redirect()` (Partner API `redirect_url`), called when a link is issued and
  again when it is redeemed, so a rule tightened later also protects links issued before. It
  accepts an absolute `https` URL on port 443 whose host is one of the partner's permitted
  domains or a subdomain of one, and returns it normalised (lower-case scheme, ASCII/punycode
  host, no default port).
- `supabase_api.redirects` (Admin API `redirect_to`): SITE_URL's origin or the
  REDIRECT_ALLOW_LIST globs, matched against the parsed URL.

Anything refused raises `ValueError` with a message that can be shown to the caller.

Rules and why:
- Control, format (zero-width, bidi, soft hyphen) and whitespace characters, and backslashes, are
  refused before parsing: browsers strip or reinterpret them (WHATWG URL treats `\\` as `/` and
  drops tabs/newlines; IDNA drops zero-width characters), so the host Python sees could differ
  from the host the browser visits.
- The URL must start with `<scheme>://` for an allowed scheme: this rules out other schemes,
  scheme-relative `//host`, `https:host` and `https:/host`, which parsers disagree about.
- No user-info (`user:pass@`): it hides the real host from a human reader and from naive checks.
- No `%` in the authority: browsers percent-decode the host (`evil%2ecom.app.com` is visited as
  `evil.com.app.com`), so an encoded host could match a rule its decoded form does not.
  Malformed percent-encoding anywhere is refused too (Supabase's Go parser refuses it as well).
- Hosts are compared after IDNA 2008 + UTS #46 mapping (as browsers do): a look-alike made of
  other scripts becomes a different punycode name, and a look-alike dot (U+FF0E, U+3002) becomes
  a real dot, so it cannot hide inside one label; invalid IDNA is refused.
- No trailing dot on the host (it names the same site under a string no rule expects).
- IP literals only where the policy allows them (the Admin API's SITE_URL may be
  `http://127.0.0.1:3000`), and then only in canonical form.
- Partner matching is by whole labels: `a.yourplatform.com` matches `yourplatform.com`,
  `evilyourplatform.com` and `yourplatform.com.evil.com` do not. Partner ports: none or 443 (a
  permitted host on another port may be a different service).
"""

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna

from .domains import normalize_domain

MAX_REDIRECT_LENGTH = 2048
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
_LDH_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class ParsedRedirect:
    """A URL that passed `parse_redirect_url`: scheme and host as a browser resolves them."""

    scheme: str  # lower case
    host: str  # ASCII (punycode), lower case; an IPv6 literal keeps its brackets
    port: int | None  # as written; None when absent
    parts: SplitResult  # the original URL, split

    def geturl(self) -> str:
        """The URL with the normalised scheme and host (the port as written)."""
        netloc = self.host if self.port is None else f"{self.host}:{self.port}"
        return urlunsplit(
            (self.scheme, netloc, self.parts.path, self.parts.query, self.parts.fragment)
        )


def _ip_literal(host: str) -> str | None:
    """The canonical form of an IP literal host, None when `host` is not one, or ValueError."""
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError("is not a valid URL")
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError as exc:
            raise ValueError("has an invalid IPv6 address") from exc
    if re.fullmatch(r"[0-9.]+", host):
        # Security: browsers read shortened or octal forms ("127.1", "0177.0.0.1") as addresses;
        # only the canonical dotted quad is accepted, so a rule sees what the browser visits.
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError as exc:
            raise ValueError("has an invalid IPv4 address") from exc
        if str(address) != host:
            raise ValueError("has an invalid IPv4 address")
        return host
    return None


def _ascii_host(host: str, *, allow_ip_literals: bool, min_labels: int) -> str:
    """The host as browsers would resolve it (IDNA 2008 + UTS #46), or ValueError."""
    if host.startswith("[") or re.fullmatch(r"[0-9.]+", host) or ":" in host:
        if not allow_ip_literals:
            raise ValueError("must use a domain name, not an IP address")
        literal = _ip_literal(host)
        if literal is None:
            raise ValueError("host is not a valid domain name")
        return literal
    if host.endswith("."):
        raise ValueError("host must not end with a dot")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError("host is not a valid domain name") from exc
    labels = ascii_host.split(".")
    if len(labels) < min_labels or not all(_LDH_LABEL.match(label) for label in labels):
        raise ValueError("host is not a valid domain name")
    return ascii_host


def parse_redirect_url(
    url: object,
    *,
    field: str,
    schemes: tuple[str, ...],
    allow_ip_literals: bool = False,
    min_labels: int = 2,
) -> ParsedRedirect:
    """Split `url` if no parser could read its host differently from a browser; else ValueError
    whose message starts with `field` (see the module docstring for the rules)."""
    try:
        return _parse(url, schemes, allow_ip_literals=allow_ip_literals, min_labels=min_labels)
    except ValueError as exc:
        raise ValueError(f"{field} {exc}") from None


def _parse(
    url: object, schemes: tuple[str, ...], *, allow_ip_literals: bool, min_labels: int
) -> ParsedRedirect:
    if not isinstance(url, str) or not url:
        raise ValueError("must be a non-empty string")
    if len(url) > MAX_REDIRECT_LENGTH:
        raise ValueError(f"must be at most {MAX_REDIRECT_LENGTH} characters")
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in url):
        raise ValueError("must not contain whitespace or control characters")
    if "\\" in url:
        raise ValueError("must not contain backslashes")
    scheme = url.split(":", 1)[0].lower()
    if scheme not in schemes or url[len(scheme) : len(scheme) + 3] != "://":
        starts = " or ".join(f"{allowed}://" for allowed in schemes)
        raise ValueError(f"must be an absolute URL starting with {starts}")
    if _BAD_PERCENT.search(url):
        raise ValueError("contains a malformed percent-encoding")

    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise ValueError("is not a valid URL") from exc
    authority = parts.netloc
    if not authority:
        raise ValueError("must include a host")
    if "@" in authority:
        raise ValueError("must not contain credentials (user-info)")
    if "%" in authority:
        raise ValueError("host must not be percent-encoded")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    host = authority.rsplit(":", 1)[0] if port is not None or authority.endswith(":") else authority
    if not host:
        raise ValueError("must include a host")
    ascii_host = _ascii_host(
        host.lower(), allow_ip_literals=allow_ip_literals, min_labels=min_labels
    )
    return ParsedRedirect(scheme=scheme, host=ascii_host, port=port, parts=parts)


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
    parsed = parse_redirect_url(url, field="redirect_url", schemes=("https",))
    if parsed.port is not None and parsed.port != 443:
        raise ValueError("redirect_url must not name a port other than 443")
    if not host_is_permitted(parsed.host, permitted_domains):
        raise ValueError("redirect_url host is not one of the partner's permitted domains")
    parts = parsed.parts
    return urlunsplit(("https", parsed.host, parts.path, parts.query, parts.fragment))
