"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs, **kwargs) -> list[Error]:
    """Refuse the development secret key and a JWT secret equal to the Django secret key."""
    errors = []
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY is the development default.", hint="Set SECRET_KEY.", id="linkgate.E001"
            )
        )
    if settings.JWT_SECRET == settings.SECRET_KEY or len(settings.JWT_SECRET) < 32:
        # Tokens signed with JWT_SECRET are handed to other services that must verify them; they
        # must never learn the key that signs our sessions and CSRF tokens.
        errors.append(
            Error(
                "JWT_SECRET must be set, at least 32 characters, and differ from SECRET_KEY.",
                id="linkgate.E002",
            )
        )
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
