"""Settings for the benchmark: the project's settings plus the bench-only app and django-sesame.

Used only by bench/run.py (DJANGO_SETTINGS_MODULE=bench.settings); production never loads it.
Everything else comes from the same environment variables as the real service.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.benchapp"]
ROOT_URLCONF = "bench.urls"

# The peer: django-sesame, configured as its documentation recommends for login links
# (one-time tokens, a bounded lifetime), redeeming through its own LoginView.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
SESAME_ONE_TIME = True
SESAME_MAX_AGE = 7 * 24 * 3600
