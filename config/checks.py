"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[Error]:
    """What production needs besides its secrets. SECRET_KEY and JWT_SECRET are not checked
    here: with DEBUG off, config.secrets refuses weak ones before any check could run."""
    errors = []
    if settings.PUBLIC_BASE_URL.startswith("http://"):
        errors.append(Error("PUBLIC_BASE_URL must be https in production.", id="linkgate.E003"))
    if not settings.REDIS_URL:
        errors.append(
            Error(
                "REDIS_URL is required in production (rate limits and the Celery broker).",
                id="linkgate.E004",
            )
        )
    return errors
