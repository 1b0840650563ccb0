"""The URL configuration the Admin API schema is generated from: /auth/v1 only."""

from django.urls import include, path

urlpatterns = [path("auth/v1/", include("supabase_api.urls"))]
