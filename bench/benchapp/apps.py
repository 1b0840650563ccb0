"""App config of the bench-only app (label `benchapp`; its table is created by --run-syncdb)."""

from django.apps import AppConfig

BIG = 1_000_000_000


class BenchAppConfig(AppConfig):
    name = "bench.benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The whole bench runs from one IP, so the per-IP limit of the redemption POST would
        # refuse all but 30 requests a minute. Raise it (bench only), as the per-key limits are
        # raised through the partner's overrides: the limit is still counted in Redis on every
        # request, so its cost stays in the measurement.
        from django.conf import settings

        from ratelimits.table import LIMITS

        window = LIMITS["browser.link_confirm.ip"].window
        settings.RATE_LIMITS = {"browser.link_confirm.ip": f"{BIG}/{window}"}
