"""Where an Admin API link may send the browser after verification (`redirect_to`).

Allowed: SITE_URL's origin (same scheme, host and port; any path), or a URL matching one of the
REDIRECT_ALLOW_LIST globs, with Supabase's glob rules: `*` matches within one label or path
segment (never across `.` or `/`), `**` matches anything, `?` one character. Anything else is
400 `validation_failed` naming the rule (the serializers' `RedirectTo` field raises it through
`NotAllowed`); REDIRECT_FALLBACK_TO_SITE_URL=true restores Supabase's
silent fallback to SITE_URL. The check is ours rather than a library's because it must match
Supabase's allow-list syntax exactly, so that existing allow-lists keep working.

Before any rule is applied, the URL goes through the parser partner redirects use
(`accounts.redirects.parse_redirect_url`): a host that is percent-encoded, holds a backslash,
user-info, a control, whitespace or invisible character, or is not valid IDNA is refused, and the
globs are matched against the host as a browser resolves it (ASCII/punycode). Patterns for
internationalised hosts must therefore be written in punycode (`*.xn--bcher-kva.example`).
"""

import re
from functools import lru_cache

from django.conf import settings

from accounts.redirects import MAX_REDIRECT_LENGTH, ParsedRedirect, parse_redirect_url

from .storable import storable

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse(url: object) -> ParsedRedirect | None:
    """The URL split by the parsing rules shared with partner redirects (accounts.redirects:
    percent-encoded hosts, backslashes, control and format characters, user-info and invalid IDNA
    are refused), or None. http is allowed and so are IP literals and one-label hosts: SITE_URL
    is often `http://localhost:3000` or `http://127.0.0.1:3000` in development."""
    try:
        return parse_redirect_url(
            url,
            field="redirect_to",
            schemes=("http", "https"),
            allow_ip_literals=True,
            min_labels=1,
        )
    except ValueError:
        return None


def _origin(parsed: ParsedRedirect) -> tuple[str, str, int]:
    return parsed.scheme, parsed.host, parsed.port or _DEFAULT_PORTS[parsed.scheme]


@lru_cache(maxsize=64)
def _glob_regex(pattern: str) -> re.Pattern:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append(r"[^./]*")
            i += 1
        elif pattern[i] == "?":
            out.append(r"[^./]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE)


def is_allowed(url: object) -> bool:
    """Whether `url` is an allowed redirect target (see the module docstring)."""
    if not isinstance(url, str) or len(url) > MAX_REDIRECT_LENGTH or not storable(url):
        return False
    parsed = _parse(url)
    if parsed is None:
        return False
    site = _parse(settings.SITE_URL)
    if site is not None and _origin(parsed) == _origin(site):
        return True
    # Security: the globs are matched against the URL as the browser will resolve it (host in
    # ASCII after IDNA mapping), not as written, so a look-alike dot such as U+FF0E cannot hide
    # two labels inside one `*`; the parser above has already refused every form (`%`, `\`,
    # invisible characters, user-info) whose host a browser reads differently.
    target = parsed.geturl()
    return any(_glob_regex(pattern).fullmatch(target) for pattern in settings.REDIRECT_ALLOW_LIST)


NOT_ALLOWED = (
    "redirect_to is not allowed: it must be on SITE_URL (same scheme, host and port) "
    "or match a pattern in REDIRECT_ALLOW_LIST"
)


class NotAllowed(ValueError):
    """A requested redirect that is neither on SITE_URL nor on the allow-list."""

    def __init__(self) -> None:
        super().__init__(NOT_ALLOWED)


def validate_redirect(raw: object) -> str:
    """The redirect to use for `raw` (SITE_URL when absent); NotAllowed when it is not allowed."""
    if raw is None or raw == "":
        return settings.SITE_URL
    if is_allowed(raw):
        return raw
    if settings.REDIRECT_FALLBACK_TO_SITE_URL:
        return settings.SITE_URL
    raise NotAllowed()


def redirect_or_site_url(raw: object) -> str:
    """For error redirects: the requested target if allowed, else SITE_URL (never an error)."""
    return raw if is_allowed(raw) else settings.SITE_URL
