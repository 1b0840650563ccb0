"""The webhooks app: above magiclinks (beside supabase_api). On ready() it plugs its event sink
into the audit recorder and its routes into the Partner API; neither of those imports webhooks."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.recorder import add_sink
        from magiclinks.partner_api import extensions

        from . import events, sink, urls

        add_sink(sink.on_audit_event, events.SUBSCRIBABLE)
        extensions.register(urls.api_patterns)
