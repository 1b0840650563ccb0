"""App config for magiclinks."""

from django.apps import AppConfig


class MagiclinksConfig(AppConfig):
    name = "magiclinks"
    verbose_name = "Login links"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the user-change receivers)
