"""The retry schedule: attempt n+1 waits min(MAX, BASE * 2**(n-1)) seconds after attempt n.

Defaults (30 s base, 6 h cap, 14 attempts): 30 s, 1, 2, 4, 8, 16, 32 min, 1 h 4, 2 h 8, 4 h 16,
then 6 h three times: the last attempt is about 26.5 hours after the first. Deterministic (no
jitter), so docs/webhooks.md can print it; deliveries of different events spread on their own.
"""

from django.conf import settings


def delay_after(attempts: int) -> int:
    """Seconds between attempt `attempts` (1-based) and the next one."""
    return min(
        settings.WEBHOOK_RETRY_MAX_SECONDS,
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )


def total_seconds() -> int:
    """From the first attempt to the last one."""
    return sum(delay_after(n) for n in range(1, settings.WEBHOOK_MAX_ATTEMPTS))
