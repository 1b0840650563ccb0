"""App config for audit."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # A malformed TRUSTED_PROXIES / TRUSTED_PROXY_COUNT stops the start (gunicorn included).
        from .client_ip import check_settings

        check_settings()
