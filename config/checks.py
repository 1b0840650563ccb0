"""Checks of our own: production settings (`manage.py check --deploy`) and the database's
housekeeping (run with the database checks: `migrate`, `manage.py check --database default`)."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections


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


# The models every link issue and redemption writes: their statistics must follow their growth.
HOT_MODELS = ("magiclinks.LoginLink", "audit.AuditEvent", "accounts.Account", "accounts.User")


@register(Tags.database)
def check_autovacuum(app_configs, databases=None, **kwargs) -> list[Warning]:
    """Warn when PostgreSQL will not vacuum and analyze the hot tables by itself.

    Run where Django runs database checks (`migrate`, `check --database default`). Why it
    matters here besides bloat: the hot statements are prepared on each connection (settings:
    DATABASE_PREPARED_STATEMENTS) and PostgreSQL keeps a prepared statement's generic plan until
    the table is analyzed again or the connection closes. Planned while the links table was
    small, the issue's superseding UPDATE kept a sequential scan, and each issue on that
    connection cost more as the table grew (measured with autovacuum off: 0.44 → 2.7 ms of
    PostgreSQL CPU per issue over 9,000 issues; docs/deployment.md)."""
    warnings = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            (setting,) = cursor.fetchone()
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname = ANY(%s)"
                " AND reloptions @> ARRAY['autovacuum_enabled=false'] ORDER BY relname",
                [[apps.get_model(label)._meta.db_table for label in HOT_MODELS]],
            )
            off = ["the server"] if setting != "on" else []
            off += [f"table {name}" for (name,) in cursor.fetchall()]
        if off:
            warnings.append(
                Warning(
                    f"PostgreSQL's autovacuum is off for {', '.join(off)} (database {alias!r}).",
                    hint="Turn autovacuum on, or run VACUUM ANALYZE on a schedule: without "
                    "fresh statistics the prepared hot statements keep plans made for small "
                    "tables (see docs/deployment.md).",
                    id="linkgate.W001",
                )
            )
    return warnings
