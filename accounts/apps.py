"""App config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and partners"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the user-change receivers)
