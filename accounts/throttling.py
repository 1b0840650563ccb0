"""DRF throttle for Partner API keys: 100 requests/minute and 10,000/day per key by default.

Both windows are counted by `accounts.limits.consume` (django-ratelimit on the shared cache),
with the partner's overrides. Exceeding one raises `RateLimitExceeded` straight through DRF, so
the 429 body can say which limit, its window and when it resets (DRF's own `Throttled` only
carries a wait time). An unreachable store raises `LimitStoreUnavailable` (503).
"""

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from . import limits
from .models import PartnerApiKey

MINUTE = 60
DAY = 86_400


class PartnerKeyThrottle(BaseThrottle):
    def allow_request(self, request: Request, view) -> bool:
        key = request.auth
        if not isinstance(key, PartnerApiKey):
            return True  # unauthenticated requests never reach here on authenticated views
        partner = key.partner
        identity = str(key.pk)
        limits.consume(
            "partner_key.minute",
            identity,
            limit=partner.limit_per_minute(),
            window_seconds=MINUTE,
            request=request,
        )
        limits.consume(
            "partner_key.day",
            identity,
            limit=partner.limit_per_day(),
            window_seconds=DAY,
            request=request,
        )
        return True
