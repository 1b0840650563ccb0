"""/bench/…: the baseline, the django-sesame peer and a readiness probe."""

from django.urls import path
from sesame.views import LoginView

from . import views

urlpatterns = [
    path("ping", views.ping),
    path("baseline", views.BaselineView.as_view()),
    # The peer, exactly as django-sesame documents it: GET ?sesame=<token> logs the user in.
    path("sesame/", LoginView.as_view()),
]
