"""The /v1beta/webhooks routes, added to the Partner API by WebhooksConfig.ready()."""

from django.urls import path

from .views import WebhookDeliveriesView, WebhooksView, WebhookTestView, WebhookView

api_patterns = [
    path("webhooks", WebhooksView.as_view(), name="partner-webhooks"),
    path("webhooks/<int:webhook_id>", WebhookView.as_view(), name="partner-webhook"),
    path("webhooks/<int:webhook_id>/test", WebhookTestView.as_view(), name="partner-webhook-test"),
    path(
        "webhooks/<int:webhook_id>/deliveries",
        WebhookDeliveriesView.as_view(),
        name="partner-webhook-deliveries",
    ),
]
