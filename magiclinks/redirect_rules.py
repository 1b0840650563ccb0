"""Where an Admin API link may send the browser after verification (`redirect_to`).

Allowed: SITE_URL's origin (same scheme, host and port; any path), or a URL matching one of the
REDIRECT_ALLOW_LIST globs, with Supabase's glob rules: `*` matches within one label or path
segment (never across `.` or `/`), `**` matches anything, `?` one character. Anything else is
400 `validation_failed` naming the rule; REDIRECT_FALLBACK_TO_SITE_URL=true restores Supabase's
silent fallback to SITE_URL. The check is ours rather than a library's because it must match
Supabase's allow-list syntax exactly, so that existing allow-lists keep working.
"""

import re
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

from accounts.gotrue.errors import validation_failed
from accounts.gotrue.storable import storable

MAX_REDIRECT_LENGTH = 2048
# Control, whitespace and backslash characters are refused before parsing: browsers strip or
# reinterpret them, so the host Python sees could differ from the host the browser visits.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


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
    if not isinstance(url, str) or not url or len(url) > MAX_REDIRECT_LENGTH:
        return False
    if _UNSAFE.search(url) or not storable(url):
        return False
    origin = _origin(url)
    if origin is None:
        return False
    # Security: user-info (`user:pass@host`) hides the real host from people and naive checks.
    if "@" in urlsplit(url).netloc:
        return False
    if origin == _origin(settings.SITE_URL):
        return True
    return any(_glob_regex(pattern).fullmatch(url) for pattern in settings.REDIRECT_ALLOW_LIST)


def validate_redirect(raw: object) -> str:
    """The redirect to use for `raw` (SITE_URL when absent); 400 when it is not allowed."""
    if raw is None or raw == "":
        return settings.SITE_URL
    if is_allowed(raw):
        return raw
    if settings.REDIRECT_FALLBACK_TO_SITE_URL:
        return settings.SITE_URL
    raise validation_failed(
        "redirect_to is not allowed: it must be on SITE_URL (same scheme, host and port) "
        "or match a pattern in REDIRECT_ALLOW_LIST"
    )


def redirect_or_site_url(raw: object) -> str:
    """For error redirects: the requested target if allowed, else SITE_URL (never an error)."""
    return raw if is_allowed(raw) else settings.SITE_URL
