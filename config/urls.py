"""Root URL configuration: each app mounts its own URL module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("v1beta/", include("magiclinks.partner_api.urls")),
    path("auth/v1/", include("supabase_api.urls")),
    path("auth/", include("magiclinks.browser.urls")),
    path("webhooks/", include("magiclinks.notifications.urls")),
    path("admin/", admin.site.urls),
]


handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
