"""App config for magiclinks: connects its receivers and registers the Partner API's error format
(under /v1beta/) with config.http_errors."""

from django.apps import AppConfig

from config import http_errors

PARTNER_API_PREFIX = "/v1beta/"


class MagiclinksConfig(AppConfig):
    name = "magiclinks"
    verbose_name = "Login links"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the user-change receivers)
        from .partner_api.errors import render_http_failure

        # Every Partner API view is a DRF view, exempt from CSRF: keys authenticate it.
        http_errors.register_api(PARTNER_API_PREFIX, render_http_failure, csrf_exempt=True)
