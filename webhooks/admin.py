"""Admin for webhook endpoints (created through webhooks.services: the signing secret is shown
once, on the page answering the POST, with Cache-Control: no-store) and their deliveries
(read-only: only the delivery task writes them)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse

from audit.actors import Actor
from audit.admin_read_only import ReadOnlyAdminMixin

from . import services
from .events import EVENT_TYPES
from .models import WebhookDelivery, WebhookEndpoint

_EVENT_CHOICES = [(event, event) for event in EVENT_TYPES]


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=_EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["partner", "url", "events", "description", "enabled"]

    def clean(self):
        cleaned = super().clean()
        if "url" in cleaned and "events" in cleaned:
            try:
                services.validate(cleaned["url"], cleaned["events"])
            except services.InvalidEndpoint as exc:
                self.add_error(exc.field, str(exc))
        return cleaned


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookDelivery
    fields = ["event_type", "status", "attempts", "last_response_code", "last_error", "created_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["-created_at"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "partner", "enabled", "masked_secret", "created_at"]
    list_filter = ["enabled", "partner"]
    search_fields = ["url", "partner__name"]
    readonly_fields = ["masked_secret", "created_at", "updated_at"]
    inlines = [DeliveryInline]

    @admin.display(description="secret")
    def masked_secret(self, endpoint: WebhookEndpoint) -> str:
        return f"whsec_…{endpoint.secret_last4}" if endpoint.secret_last4 else ""

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The partner of an endpoint never changes (its deliveries and audit trail name it).
        return [*self.readonly_fields, "partner"] if obj is not None else self.readonly_fields

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if request.method != "POST":
            return super().add_view(request, form_url, extra_context)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EndpointForm(request.POST)
        if not form.is_valid():
            return super().add_view(request, form_url, extra_context)
        data = form.cleaned_data
        endpoint, secret = services.create_endpoint(
            data["partner"],
            url=data["url"],
            event_types=data["events"],
            description=data["description"],
            actor=Actor.staff(request.user),
        )
        if not data["enabled"]:
            services.update_endpoint(endpoint, actor=Actor.staff(request.user), enabled=False)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Webhook endpoint created",
            "endpoint": endpoint,
            "secret": secret,
        }
        response = TemplateResponse(request, "admin/webhooks/endpoint_created.html", context)
        # The page carries the only copy of the secret: no browser or proxy may keep it.
        response["Cache-Control"] = "no-store"
        return response

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form, change: bool) -> None:
        # Only changes reach here (add_view creates through the service): audited, cache fresh.
        data = form.cleaned_data
        services.update_endpoint(
            obj,
            actor=Actor.staff(request.user),
            url=data["url"],
            events=data["events"],
            description=data["description"],
            enabled=data["enabled"],
        )

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.delete_endpoint(obj, actor=Actor.staff(request.user))

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for endpoint in queryset:
            services.delete_endpoint(endpoint, actor=Actor.staff(request.user))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
