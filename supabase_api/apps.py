"""App config for supabase_api."""

from django.apps import AppConfig


class SupabaseApiConfig(AppConfig):
    name = "supabase_api"
    verbose_name = "Admin API (Supabase Auth compatible)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the user-change and sign-out receivers)
