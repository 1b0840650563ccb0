"""Partner API routes (mounted at /v1beta/ by config.urls), its schema and Swagger UI.

`api_patterns` are the documented endpoints; the schema view is built from them alone (through
magiclinks.partner_api.schema_urls), so the Admin API and the pages never appear in it.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import errors, extensions, schema
from .health import HealthView
from .views_accounts import AccountDetailView, AccountsView, AccountUsersView
from .views_activity import ActivityView
from .views_links import LoginLinksView, LoginLinkView, RevokeLinkView

api_patterns = [
    path("health", HealthView.as_view(), name="partner-health"),
    path("accounts", AccountsView.as_view(), name="partner-accounts"),
    path("accounts/<int:account_id>", AccountDetailView.as_view(), name="partner-account"),
    path("accounts/<int:account_id>/users", AccountUsersView.as_view(), name="partner-users"),
    path(
        "accounts/<int:account_id>/login-link",
        LoginLinkView.as_view(),
        name="partner-login-link",
    ),
    path(
        "accounts/<int:account_id>/login-links",
        LoginLinksView.as_view(),
        name="partner-login-links",
    ),
    path(
        "accounts/<int:account_id>/login-links/<uuid:link_id>/revoke",
        RevokeLinkView.as_view(),
        name="partner-revoke-link",
    ),
    path("accounts/<int:account_id>/activity", ActivityView.as_view(), name="partner-activity"),
    # Routes of the apps above (webhooks), registered in their AppConfig.ready().
    *extensions.patterns(),
]

urlpatterns = [
    *api_patterns,
    path(
        "schema/",
        SpectacularAPIView.as_view(
            urlconf="magiclinks.partner_api.schema_urls", custom_settings=schema.SCHEMA_SETTINGS
        ),
        name="partner-schema",
    ),
    # The split view serves Swagger UI's init script as a separate file: our CSP forbids inline
    # scripts.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="partner-schema", template_name="partner_api/swagger_ui.html"
        ),
        name="partner-docs",
    ),
    # Last: any other path under /v1beta is a JSON 404 (also when DEBUG shows HTML elsewhere).
    re_path(r"^.*$", errors.not_found_view),
]
