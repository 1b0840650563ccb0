"""config.settings and config.checks: zero-setup defaults and a clean `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "JWT_SECRET": "j" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789",
    "PUBLIC_BASE_URL": "https://login.example.com",
    "ALLOWED_HOSTS": "login.example.com",
    "DATABASE_URL": "postgres://linkgate@127.0.0.1:5432/linkgate",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
    "ANYMAIL_POSTMARK_SERVER_TOKEN": "server-token",
}
# Test-only switches the suite sets for itself must not leak into the production check.
CLEARED = {
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STATIC_MANIFEST",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CELERY_TASK_ALWAYS_EAGER",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED and k not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_cannot_even_start_with_development_secrets():
    # Weak secrets stop the settings from loading (config.secrets), before any check runs; every
    # reason is covered by tests/security/test_production_start_refuses_weak_secrets.py.
    env = {**PRODUCTION, "JWT_SECRET": "short"}
    env.pop("SECRET_KEY")
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_check_deploy_refuses_http_links_and_a_missing_redis():
    env = {**PRODUCTION, "PUBLIC_BASE_URL": "http://login.example.com"}
    env.pop("REDIS_URL")
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "linkgate.E003" in result.stderr and "linkgate.E004" in result.stderr


def test_zero_setup_defaults():
    from django.conf import settings

    if not os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
