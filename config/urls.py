"""Root URL configuration: each app mounts its own URL module.

The APIs are mounted at the prefixes their app config declares, the same ones it registers its
error format under (config.http_errors), so that a path and its error format cannot disagree.
"""

import re

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from config import http_errors, ops_views
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

# Any other path under an API prefix: that API's JSON 404, with DEBUG on too. Django answers an
# unmatched URL with its HTML technical 404 page when DEBUG is on, bypassing handler404, and an
# API client then fails to parse it (supabase-auth raises AuthUnknownError). Last, so it only
# catches what no route matched; CSRF-exempt as every view of both APIs is.
urlpatterns += [
    re_path(rf"^{re.escape(prefix.strip('/'))}(?:/|$)", csrf_exempt(http_errors.not_found))
    for prefix in (PARTNER_API_PREFIX, ADMIN_API_PREFIX)
]


# JSON in the API's own format under a registered API prefix, HTML elsewhere.
handler404 = "config.http_errors.not_found"
handler500 = "config.http_errors.server_error"
