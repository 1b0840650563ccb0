"""Root URL configuration: each app mounts its own URL module.

The APIs are mounted at the prefixes their app config declares, the same ones it registers its
error format under (config.http_errors), so that a path and its error format cannot disagree.
"""

from django.contrib import admin
from django.urls import include, path

from config import ops_views
from magiclinks.apps import PARTNER_API_PREFIX
from supabase_api.apps import ADMIN_API_PREFIX

urlpatterns = [
    path(PARTNER_API_PREFIX.removeprefix("/"), include("magiclinks.partner_api.urls")),
    path(ADMIN_API_PREFIX.removeprefix("/"), include("supabase_api.urls")),
    path("auth/", include("magiclinks.browser.urls")),
    path("webhooks/", include("magiclinks.notifications.urls")),
    path("admin/", admin.site.urls),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
]


# JSON in the API's own format under a registered API prefix, HTML elsewhere.
handler404 = "config.http_errors.not_found"
handler500 = "config.http_errors.server_error"
