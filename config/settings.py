"""Settings, read from the environment (django-environ).

With no environment at all the service runs on a SQLite file, a local-memory cache, eager Celery
and console email: the zero-setup mode `make run` uses. Production engines come from
`DATABASE_URL` (PostgreSQL via psycopg 3) and `REDIS_URL` (cache, rate limits, Celery broker).
Every variable is listed in docs/configuration.md.
"""

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.secrets import require_production_secrets
from ratelimits import table as ratelimits_table

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# The development key is a default with DEBUG on only. With DEBUG off, config.secrets refuses it
# outright at settings load, and a missing, short or shared secret too: gunicorn, manage.py and
# celery do not start. Its "django-insecure" prefix also makes `check --deploy` flag it.
INSECURE_DEV_SECRET_KEY = "django-insecure-linkgate-development-only-never-use-in-production"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY if DEBUG else "")
# Rotation: the new key in SECRET_KEY, the previous ones here (comma-separated). Django checks
# sessions and signatures against them; the outbox opens emails sealed with them and OTPs made
# with them still verify (magiclinks.notifications.crypto, magiclinks.tokens). New values are
# always made with SECRET_KEY. Drop an old key once what it made has expired (docs/deployment.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The origin that emailed links point at, e.g. https://login.example.com (no trailing slash).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Admin API redirects: SITE_URL is the default `redirect_to`; REDIRECT_ALLOW_LIST holds globs.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:3000")
REDIRECT_ALLOW_LIST = env.list("REDIRECT_ALLOW_LIST", default=[])
# HS256 secret for Admin API access tokens and service_role JWTs (Supabase's GOTRUE_JWT_SECRET).
JWT_SECRET = env.str("JWT_SECRET", default=SECRET_KEY if DEBUG else "")
if not DEBUG:
    require_production_secrets(
        SECRET_KEY, JWT_SECRET, INSECURE_DEV_SECRET_KEY, fallbacks=SECRET_KEY_FALLBACKS
    )
JWT_EXPIRY_SECONDS = env.int("JWT_EXPIRY_SECONDS", default=3600)
# Supabase's GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL: a rotated refresh token presented again
# within this many seconds of its rotation (two tabs, SSR middleware refreshing at once) gets the
# session's current token instead of revoking the session; 0 turns the grace off.
REFRESH_TOKEN_REUSE_INTERVAL = env.int("REFRESH_TOKEN_REUSE_INTERVAL", default=10)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "config.apps.ProjectConfig",
    "audit",
    "ratelimits",
    "accounts",
    "magiclinks",
    "supabase_api",
    "webhooks",
    # CORS for /auth/v1 only (CORS_URLS_REGEX below), as Supabase Auth sends it.
    "corsheaders",
    *env.list("EXTRA_INSTALLED_APPS", default=[]),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # Request metrics and, with LOG_FORMAT=json, one log line per request (no SQL, no Redis).
    "config.observability.RequestObservabilityMiddleware",
    # Oversized bodies → 413 before anything parses them; unreachable Redis/DB → 503, not 500.
    # Before anything that answers on its own (413, 503, CommonMiddleware), so that those
    # /auth/v1 answers carry the CORS headers too; it answers preflights itself.
    "corsheaders.middleware.CorsMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "config.middleware.FaultBarrierMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Must precede CSRF: no-referrer pages POST with `Origin: null` (see config.middleware).
    "config.middleware.SameOriginNullOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Keep connections open between requests: opening a PostgreSQL connection per request costs
# more than the request itself (DESIGN.md measures ~220 → ~60 req/s).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue instead of
    # failing with "database is locked" on lock upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Server-side binding and prepared statements (psycopg prepares a statement on a connection
    # after it ran 5 times there): PostgreSQL then parses and plans each hot statement once per
    # connection instead of once per request. Measured by `make bench` (docs/performance.md):
    # PostgreSQL's CPU per link issue 3.3 -> 1.3 ms, per redemption 3.5 -> 1.8 ms. Django turns
    # both off by default for transaction-pooling poolers: set DATABASE_PREPARED_STATEMENTS=false
    # behind PgBouncer in transaction mode older than 1.21 (or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": env.int("DATABASE_PREPARE_THRESHOLD", default=5),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache, rate limits --------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, minus a new client object per operation (config/cache.py).
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# When the limit store is unreachable: False answers 503 (fail closed), True lets requests through.
RATELIMIT_FAIL_OPEN = env.bool("RATELIMIT_FAIL_OPEN", default=False)
# Every limit is declared once, in ratelimits/table.py (listed in docs/configuration.md);
# RATE_LIMITS overrides any of them: '{"browser.link_confirm.ip": "60/60"}' (checked at start-up).
RATE_LIMITS = env.str("RATE_LIMITS", default="{}")
# The variables that set some limits before the table existed still do, when set.
for _legacy in ratelimits_table.LEGACY_SETTINGS:
    if _legacy in env.ENVIRON:
        globals()[_legacy] = env.int(_legacy)
# Webhook endpoints per partner: each event is sent to every subscribed endpoint, so this bounds
# the fan-out a partner can ask of our workers.
WEBHOOK_ENDPOINTS_PER_PARTNER = env.int("WEBHOOK_ENDPOINTS_PER_PARTNER", default=10)

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing while the broker is down must fail fast: the outbox row is already committed and the
# beat task re-dispatches it, so a request never waits on a dead broker (one immediate reconnect,
# 1 s connect timeout: a refused connection costs milliseconds, an unreachable host about 2 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "socket_connect_timeout": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "purge-expired-links": {
        "task": "magiclinks.tasks.purge_expired_links",
        "schedule": env.int("PURGE_INTERVAL_SECONDS", default=3600),
    },
    # The outbox sweeper: a row still pending after NOTIFICATION_PENDING_AFTER_SECONDS (broker was
    # down at commit, worker lost the message) is handed to Celery again; delivery is idempotent.
    "redispatch-pending-notifications": {
        "task": "magiclinks.notifications.redispatch_pending",
        "schedule": env.int("NOTIFICATION_REDISPATCH_INTERVAL_SECONDS", default=60),
        # A sweep nobody ran within its interval is useless: expire it instead of piling up
        # while the workers are down.
        "options": {"expires": env.int("NOTIFICATION_REDISPATCH_INTERVAL_SECONDS", default=60)},
    },
    # Webhooks: due deliveries whose kick was lost or whose retry is hours away; links that
    # expired unused (login_link.expired); stored Idempotency-Key responses past 24 h.
    "redispatch-due-webhooks": {
        "task": "webhooks.redispatch_due",
        "schedule": env.int("WEBHOOK_REDISPATCH_INTERVAL_SECONDS", default=30),
        "options": {"expires": env.int("WEBHOOK_REDISPATCH_INTERVAL_SECONDS", default=30)},
    },
    "report-expired-links": {
        "task": "webhooks.report_expired_links",
        "schedule": env.int("WEBHOOK_EXPIRY_INTERVAL_SECONDS", default=60),
        "options": {"expires": env.int("WEBHOOK_EXPIRY_INTERVAL_SECONDS", default=60)},
    },
    "purge-idempotency-keys": {
        "task": "magiclinks.partner_api.purge_idempotency_keys",
        "schedule": env.int("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", default=3600),
    },
}
# Outbox delivery: attempts per email (the first send included), exponential backoff with full
# jitter between them (base doubling per attempt, capped), and the age at which a pending row is
# considered stranded (docs/email.md).
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=600)
NOTIFICATION_PENDING_AFTER_SECONDS = env.int("NOTIFICATION_PENDING_AFTER_SECONDS", default=60)
# Webhooks (docs/webhooks.md): timeout per connect/read, retry schedule (base doubling per attempt,
# capped; 14 attempts ≈ 26.5 h), retries further off than KICK_MAX are left to the sweeper,
# rows due for PENDING_AFTER seconds are re-dispatched. SSRF guard: http and private targets are
# refused unless allowed here (development and tests only).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=14)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600)
WEBHOOK_RETRY_KICK_MAX_SECONDS = env.int("WEBHOOK_RETRY_KICK_MAX_SECONDS", default=600)
WEBHOOK_PENDING_AFTER_SECONDS = env.int("WEBHOOK_PENDING_AFTER_SECONDS", default=30)
WEBHOOK_EXPIRED_LOOKBACK_SECONDS = env.int("WEBHOOK_EXPIRED_LOOKBACK_SECONDS", default=86400)
WEBHOOK_SUBSCRIPTION_CACHE_SECONDS = env.int("WEBHOOK_SUBSCRIPTION_CACHE_SECONDS", default=300)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# Idempotency-Key on Partner API POSTs: responses kept this long, a duplicate waits this long for
# the first request to finish before getting 409 IDEMPOTENCY_KEY_IN_PROGRESS.
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=86400)
IDEMPOTENCY_WAIT_SECONDS = env.float("IDEMPOTENCY_WAIT_SECONDS", default=10.0)
LINK_PURGE_AFTER_DAYS = env.int("LINK_PURGE_AFTER_DAYS", default=30)
LINK_PURGE_BATCH_SIZE = env.int("LINK_PURGE_BATCH_SIZE", default=1000)

# --- Email ---------------------------------------------------------------------------------
# Django 6.1's MAILERS, built from the classic variable names (EMAIL_BACKEND is any Django or
# anymail backend path; the other variables are handed to the backends that take them).
# The default prints emails readably to the console (Django's own quoted-printable-encodes and
# breaks long links); see magiclinks/notifications/console.py.
EMAIL_BACKEND_PATH = env.str(
    "EMAIL_BACKEND", default="magiclinks.notifications.console.EmailBackend"
)
_mailer_options: dict = {}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _mailer_options = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    }
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend"):
    _mailer_options = {"file_path": env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "mail"))}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _mailer_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Linkgate <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The ESP whose anymail tracking webhook is mounted (magiclinks/notifications/urls.py): by default
# the ESP of an anymail EMAIL_BACKEND (`anymail.backends.<esp>.EmailBackend`), none otherwise.
_anymail_esp = re.fullmatch(r"anymail\.backends\.(\w+)\.EmailBackend", EMAIL_BACKEND_PATH)
EMAIL_TRACKING_ESP = env.str(
    "EMAIL_TRACKING_ESP", default=_anymail_esp.group(1) if _anymail_esp else ""
)
# Anymail reads its ESP credentials from this dict; every ANYMAIL_* environment variable lands
# here with the prefix removed (ANYMAIL_POSTMARK_SERVER_TOKEN → POSTMARK_SERVER_TOKEN).
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}

# --- Passwords -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's ModelBackend, refusing banned users as well as inactive ones (accounts.backends).
AUTHENTICATION_BACKENDS = ["accounts.backends.ModelBackend"]
LOGIN_URL = "/auth/login/"
LOGIN_REDIRECT_URL = "/auth/account/"
LOGOUT_REDIRECT_URL = "/auth/login/"

# --- Link engine ---------------------------------------------------------------------------
ADMIN_LINK_DEFAULT_SECONDS = env.int("ADMIN_LINK_DEFAULT_SECONDS", default=3600)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
# Supabase Auth consumes a link on GET /verify; we show a confirmation page instead (mail
# scanners prefetch links). True restores the old behaviour.
VERIFY_CONSUMES_ON_GET = env.bool("VERIFY_CONSUMES_ON_GET", default=False)
# Supabase Auth silently falls back to SITE_URL for a redirect_to that is not allowed; we answer
# 400. True restores the fallback.
REDIRECT_FALLBACK_TO_SITE_URL = env.bool("REDIRECT_FALLBACK_TO_SITE_URL", default=False)
# Supabase's GOTRUE_DISABLE_SIGNUP: POST /auth/v1/otp no longer creates users (422
# signup_disabled for an unknown address). The admin endpoints are not affected, as upstream.
DISABLE_SIGNUP = env.bool("DISABLE_SIGNUP", default=False)
# End-user flows of the Admin API (issue 14; docs/configuration.md). MAILER_AUTOCONFIRM is
# Supabase's GOTRUE_MAILER_AUTOCONFIRM: POST /signup confirms at once and answers a session.
MAILER_AUTOCONFIRM = env.bool("MAILER_AUTOCONFIRM", default=False)
# Password sign-in of an unconfirmed address: False answers invalid_credentials (as for a wrong
# password), True upstream's 400 email_not_confirmed (only after a correct password).
PASSWORD_SIGN_IN_REVEALS_UNCONFIRMED = env.bool(
    "PASSWORD_SIGN_IN_REVEALS_UNCONFIRMED", default=False
)
# Supabase's GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: a password change from a
# session older than SECURE_PASSWORD_CHANGE_RECENT_SECONDS (upstream: 24 h) needs the nonce that
# GET /reauthenticate emails.
SECURE_PASSWORD_CHANGE = env.bool("SECURE_PASSWORD_CHANGE", default=False)
SECURE_PASSWORD_CHANGE_RECENT_SECONDS = env.int(
    "SECURE_PASSWORD_CHANGE_RECENT_SECONDS", default=86400
)
# Lifetime of a PKCE auth code from /verify to POST /token?grant_type=pkce (upstream's
# GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION, 5 minutes), and of a reauthentication nonce.
FLOW_STATE_EXPIRY_SECONDS = env.int("FLOW_STATE_EXPIRY_SECONDS", default=300)
REAUTHENTICATION_NONCE_SECONDS = env.int("REAUTHENTICATION_NONCE_SECONDS", default=300)
# CORS of the Admin API, as Supabase Auth sends it, so browser apps using auth-js can call
# /auth/v1 from their own origin (django-cors-headers; nothing else gets CORS headers). Any
# origin: every request is authorised by a bearer token in a header, never by a cookie, so
# `Access-Control-Allow-Origin: *` (which browsers never combine with credentials) lets no other
# site act with a visitor's ambient authority.
CORS_URLS_REGEX = r"^/auth/v1/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
CORS_ALLOW_HEADERS = [
    "Authorization",
    "Apikey",
    "Content-Type",
    "X-Client-Info",
    "X-Supabase-Api-Version",
    "X-Request-ID",
]
CORS_EXPOSE_HEADERS = [
    "X-Total-Count",
    "Link",
    "X-Sb-Error-Code",
    "X-Supabase-Api-Version",
    "Retry-After",
]
CORS_PREFLIGHT_MAX_AGE = 600

# --- HTTP security -------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Client IP behind reverse proxies (audit.client_ip; docs/deployment.md): X-Forwarded-For is read
# only as far as trusted proxies appended it, right to left. Both empty/0: the peer address only.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])  # CIDRs of the proxies
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)  # proxy hops that append to XFF
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that sets this header itself; otherwise clients could fake HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Database sessions, each written once per request (config.session_store says why this engine).
SESSION_ENGINE = "config.session_store"
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# API paths get JSON from a CSRF refusal too (config.http_errors.csrf_failure).
CSRF_FAILURE_VIEW = "config.http_errors.csrf_failure"
# Django's built-in CSP: no inline script anywhere, styles from our own stylesheet only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:", "data:"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Request bodies above 1 MB are refused (413) before any view parses them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- REST framework ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Linkgate Partner API",
    "VERSION": "v1beta",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-spectacular's deploy check builds one schema from the whole URLconf, mixing the two
    # APIs that are published as separate schemas (/v1beta/schema/, /auth/v1/schema/), and so
    # warns about name clashes no published schema has. Each published schema is generated and
    # validated by the test suite instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# --- Metrics, logging ----------------------------------------------------------------------
# Bearer token for GET /metrics (Prometheus); unset, /metrics is a 404 (docs/operations.md).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# "json": one JSON object per log line, and one line per request (logger linkgate.access).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
# Orchestrator probes reach the pods over plain HTTP; liveness and readiness must not redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "config.logging.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"redact_secrets": {"()": "config.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request paths of partner-login and verify URLs carry link secrets: 4xx access lines are
        # not logged at all, and config.logging redacts token-shaped strings from the rest.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        # The per-request line: only in JSON mode (gunicorn writes access lines otherwise).
        "linkgate.access": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}
