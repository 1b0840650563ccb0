"""The project's URLs plus the bench-only endpoints under /bench/."""

from django.urls import include, path

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("bench/", include("bench.benchapp.urls")), *project_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
