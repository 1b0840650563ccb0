"""The table of limits: every limit the service counts, declared once.

Each limit has a name (`<surface>.<what>.<key kind>`), a default rate (`count/window seconds`),
the kind of identity it is counted per, and what it protects. Operators override any of them with
`RATE_LIMITS`, a JSON object of name → "count/seconds", e.g.
`RATE_LIMITS='{"browser.link_confirm.ip": "60/60"}'`; an unknown name or a malformed rate stops
the start (ImproperlyConfigured), a typo must not silently leave a limit at its default.

Before this table some limits had a setting of their own (`PARTNER_KEY_LIMIT_PER_MINUTE`, ...).
Those variables still work, as the `setting` of their limit: the effective count is RATE_LIMITS'
if the limit is named there, else the legacy setting's when it is set, else the default. The
partner's own overrides (Partner.rate_limit_per_minute, ...) replace the count of the three
partner limits for that partner (`rate(name, override=...)`); the window never changes.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MINUTE, HOUR, DAY = 60, 3600, 86_400


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # the default number of hits allowed per window
    window: int  # seconds
    key: str  # what it is counted per: "partner key", "account", "IP", "address", "user"
    protects: str
    setting: str = ""  # the legacy setting that also sets `count` (see the module docstring)


def _limits(*limits: Limit) -> dict[str, Limit]:
    return {limit.name: limit for limit in limits}


LIMITS: dict[str, Limit] = _limits(
    # --- Partner API (/v1beta) ------------------------------------------------------------------
    Limit("partner.key.minute", 100, MINUTE, "partner key",
          "Partner API requests per key (partner override: Rate limit per minute).",
          "PARTNER_KEY_LIMIT_PER_MINUTE"),
    Limit("partner.key.day", 10_000, DAY, "partner key",
          "Partner API requests per key (partner override: Rate limit per day).",
          "PARTNER_KEY_LIMIT_PER_DAY"),
    Limit("partner.account.hour", 10, HOUR, "account",
          "Login links issued per client account by its partner or staff; self-service fresh "
          "links do not count (partner override: Login links per account per hour).",
          "LOGIN_LINKS_PER_ACCOUNT_PER_HOUR"),
    # --- Admin API (/auth/v1) -------------------------------------------------------------------
    Limit("auth.verify.ip", 30, 5 * MINUTE, "IP",
          "`/verify` attempts, malformed ones included (Supabase's default).",
          "ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES"),
    Limit("auth.verify.address", 10, 5 * MINUTE, "address",
          "`/verify` code guesses (email + token) per address from any IP; counted for unknown "
          "addresses too, so a 429 reveals nothing.",
          "ADMIN_API_VERIFY_PER_ADDRESS_PER_5_MINUTES"),
    Limit("auth.otp.ip", 30, HOUR, "IP", "`/otp` requests (mail bombing).",
          "ADMIN_API_EMAILS_PER_IP_PER_HOUR"),
    Limit("auth.otp.address", 1, MINUTE, "address",
          "`/otp` emails per address (Supabase's `SMTP_MAX_FREQUENCY`).",
          "ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE"),
    Limit("auth.recover.ip", 30, HOUR, "IP", "`/recover` requests (mail bombing).",
          "ADMIN_API_EMAILS_PER_IP_PER_HOUR"),
    Limit("auth.recover.address", 1, MINUTE, "address", "`/recover` emails per address.",
          "ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE"),
    Limit("auth.resend.ip", 30, HOUR, "IP", "`/resend` requests (mail bombing).",
          "ADMIN_API_EMAILS_PER_IP_PER_HOUR"),
    Limit("auth.resend.address", 1, MINUTE, "address", "`/resend` emails per address.",
          "ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE"),
    Limit("auth.signup.ip", 30, HOUR, "IP", "`/signup` requests (each emails a confirmation)."),
    Limit("auth.signup.address", 1, MINUTE, "address", "`/signup` emails per address."),
    Limit("auth.password.ip", 30, 5 * MINUTE, "IP",
          "Password sign-in (`/token?grant_type=password`) guesses per source."),
    Limit("auth.password.address", 10, 5 * MINUTE, "address",
          "Password sign-in guesses at one address, from any source."),
    Limit("auth.reauthenticate.user", 1, MINUTE, "user",
          "`/reauthenticate` nonce emails per signed-in user.",
          "ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE"),
    # --- End-user pages: generous for people, tight for scripts --------------------------------
    Limit("browser.link_confirm.ip", 30, MINUTE, "IP", "Confirming a partner login link (POST)."),
    Limit("browser.fresh_link.ip", 10, HOUR, "IP", "\"Email me a fresh link\" on a dead link."),
    Limit("browser.fresh_link.address", 3, HOUR, "address",
          "Fresh links per address (flooding one inbox)."),
    Limit("browser.password_login.ip", 30, 5 * MINUTE, "IP", "Password sign-in attempts."),
    Limit("browser.password_login.address", 10, 15 * MINUTE, "address",
          "Password guesses per address, from any number of IPs."),
    Limit("browser.password_reset.ip", 10, HOUR, "IP", "\"Forgot password\" requests."),
    Limit("browser.password_reset.address", 3, HOUR, "address", "Reset emails per address."),
    Limit("browser.reset_confirm.ip", 30, MINUTE, "IP", "Confirming a password reset link."),
)  # fmt: skip

LEGACY_SETTINGS = sorted({limit.setting for limit in LIMITS.values() if limit.setting})

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_rate(name: str, value: object) -> tuple[int, int]:
    """`"count/seconds"` → (count, seconds); ImproperlyConfigured names the limit otherwise."""
    match = _RATE.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(2)) == 0:
        raise ImproperlyConfigured(
            f'RATE_LIMITS["{name}"]: {value!r} is not a rate; write "count/seconds", e.g. "30/60"'
        )
    return int(match.group(1)), int(match.group(2))


@lru_cache(maxsize=8)
def _overrides(raw: str) -> dict[str, tuple[int, int]]:
    overrides = json.loads(raw)
    if not isinstance(overrides, dict):
        raise ImproperlyConfigured('RATE_LIMITS must be a JSON object: {"limit name": "30/60"}')
    unknown = sorted(set(overrides) - set(LIMITS))
    if unknown:
        raise ImproperlyConfigured(
            f"RATE_LIMITS: unknown limit {', '.join(unknown)}; the names are listed in "
            "docs/configuration.md"
        )
    return {name: parse_rate(name, value) for name, value in overrides.items()}


def overrides() -> dict[str, tuple[int, int]]:
    """RATE_LIMITS parsed (a dict in settings, or its JSON text); cached per value."""
    raw = getattr(settings, "RATE_LIMITS", {}) or {}
    return _overrides(raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True))


def check_settings() -> None:
    """Refuse an unknown name or a malformed rate at start-up (RateLimitsConfig.ready)."""
    try:
        overrides()
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"RATE_LIMITS is not valid JSON: {exc}") from None


def rate(name: str, override: int | None = None) -> tuple[int, int]:
    """The effective (count, window seconds) of limit `name`; `override` is a partner's own
    count, which wins over everything but keeps the window."""
    limit = LIMITS[name]
    if override:
        return override, limit.window
    configured = overrides().get(name)
    if configured is not None:
        return configured
    legacy = getattr(settings, limit.setting, None) if limit.setting else None
    return (legacy if legacy else limit.count), limit.window
