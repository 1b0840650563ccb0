"""App config: validates RATE_LIMITS at start-up, so a typo stops the start instead of being
silently ignored (an unknown name would leave the intended limit at its default)."""

from django.apps import AppConfig


class RateLimitsConfig(AppConfig):
    name = "ratelimits"
    label = "ratelimits"

    def ready(self) -> None:
        from .table import check_settings

        check_settings()
