"""The URL configuration the OpenAPI schema is generated from: the Partner API only."""

from django.urls import include, path

from .urls import api_patterns

urlpatterns = [path("v1beta/", include(api_patterns))]
