"""A production start (DEBUG off) with a missing or weak SECRET_KEY / JWT_SECRET.

The review's attack: with DEBUG unset and neither secret set, gunicorn served with the
development key printed in config/settings.py, so anybody could sign a `service_role` JWT with
it and list (and change) every user through the Admin API. `check --deploy` flagged it, but
nothing runs `check --deploy`. Now the settings refuse to load (ImproperlyConfigured) when DEBUG
is off and a secret is missing, the development default, too short, or the two are equal: the
process never starts, so there is nothing to send a forged token to.

The tests start the real thing: gunicorn with the Procfile's `config.wsgi` (and, for every
refusal reason, the settings import every entry point performs), with the environment stripped
of the secrets the test suite sets for itself (pyproject.toml).
"""

import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DEV_KEY = "django-insecure-linkgate-development-only-never-use-in-production"
GOOD_SECRET_KEY = "prod-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
GOOD_JWT_SECRET = "prod-jwt-secret-" + "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"
# Whatever the suite set for itself must not reach the "production" process.
STRIPPED = {
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "JWT_SECRET",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(tmp_path: Path) -> str:
    """The test database when it is PostgreSQL (so a served request reaches real users), else
    an empty SQLite file: either way the process under test has a database to start with."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(tmp_path: Path, **secrets: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in STRIPPED}
    return {**base, "DATABASE_URL": database_url(tmp_path), "CONN_MAX_AGE": "0", **secrets}


def forged_service_role_jwt() -> str:
    """What the attacker mints: a service_role token signed with the development key."""
    claims = {"role": "service_role", "iss": "supabase", "iat": int(time.time())}
    return jwt.encode(claims, DEV_KEY, algorithm="HS256")


class Gunicorn:
    """`gunicorn config.wsgi` as the Procfile runs it; `wait()` says whether it serves."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [GUNICORN, "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{self.port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 30) -> bool:
        """True once it answers HTTP, False once it has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                httpx.get(f"{self.url}/auth/v1/settings", timeout=1)
                return True
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("gunicorn neither served nor exited:\n" + self.output())

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def gunicorn(tmp_path):
    started: list[Gunicorn] = []

    def start(env: dict[str, str]) -> Gunicorn:
        server = Gunicorn(env, tmp_path / f"gunicorn-{len(started)}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def assert_refused_to_start(server: Gunicorn, variable: str) -> None:
    if server.wait():
        forged = httpx.get(
            f"{server.url}/auth/v1/admin/users",
            headers={"Authorization": f"Bearer {forged_service_role_jwt()}"},
        )
        pytest.fail(
            "gunicorn started without usable secrets; a service_role JWT signed with the "
            f"development key answered {forged.status_code}: {forged.text[:300]}"
        )
    output = server.output()
    assert server.process.returncode != 0
    assert "ImproperlyConfigured" in output, output
    assert variable in output, output
    with pytest.raises(httpx.ConnectError):  # nothing listens: no forged token can be sent
        httpx.get(f"{server.url}/auth/v1/admin/users", timeout=2)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_without_secrets_refuses_to_start(gunicorn, tmp_path):
    User.objects.create_user("somebody@example.com")
    assert_refused_to_start(gunicorn(production_env(tmp_path)), "SECRET_KEY")


@pytest.mark.django_db(transaction=True)
def test_forged_jwt_signed_with_the_development_key_has_no_server_to_talk_to(gunicorn, tmp_path):
    """The development key set explicitly (copied from the repository) is refused just the same."""
    User.objects.create_user("somebody@example.com")
    server = gunicorn(production_env(tmp_path, SECRET_KEY=DEV_KEY, JWT_SECRET=DEV_KEY))
    assert_refused_to_start(server, "development default")


@pytest.mark.django_db(transaction=True)
def test_with_real_secrets_gunicorn_serves_and_the_forged_jwt_is_refused(gunicorn, tmp_path):
    """The control: the same command with proper secrets starts, and the attacker's token is 403."""
    env = production_env(tmp_path, SECRET_KEY=GOOD_SECRET_KEY, JWT_SECRET=GOOD_JWT_SECRET)
    server = gunicorn(env)
    assert server.wait(), server.output()
    forged = httpx.get(
        f"{server.url}/auth/v1/admin/users",
        headers={"Authorization": f"Bearer {forged_service_role_jwt()}"},
    )
    assert forged.status_code == 403 and forged.json()["error_code"] == "bad_jwt"


def load_settings(monkeypatch, **env: str) -> dict:
    """Execute config/settings.py (the real file) with exactly these secrets and DEBUG."""
    for name in STRIPPED:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


MISSING = object()
REFUSALS = [
    # (SECRET_KEY, JWT_SECRET, words the message must contain)
    pytest.param(MISSING, GOOD_JWT_SECRET, "SECRET_KEY is not set", id="secret-key-missing"),
    pytest.param("", GOOD_JWT_SECRET, "SECRET_KEY is not set", id="secret-key-empty"),
    pytest.param(DEV_KEY, GOOD_JWT_SECRET, "SECRET_KEY is the development default", id="dev-key"),
    pytest.param(
        "django-insecure-" + "x1y2z3w4v5" * 5, GOOD_JWT_SECRET, "django-insecure-", id="insecure"
    ),
    pytest.param("a1b2c3" * 8, GOOD_JWT_SECRET, "at least 50 characters", id="secret-key-short"),
    pytest.param("abcd" * 20, GOOD_JWT_SECRET, "at least 5 different", id="secret-key-few-chars"),
    pytest.param(GOOD_SECRET_KEY, MISSING, "JWT_SECRET is not set", id="jwt-missing"),
    pytest.param(GOOD_SECRET_KEY, "", "JWT_SECRET is not set", id="jwt-empty"),
    pytest.param(GOOD_SECRET_KEY, DEV_KEY, "JWT_SECRET is the development default", id="jwt-dev"),
    pytest.param(GOOD_SECRET_KEY, "j1k2l3m4n5" * 3 + "o", "at least 32 characters", id="jwt-short"),
    pytest.param(GOOD_SECRET_KEY, "ab" * 20, "at least 5 different", id="jwt-few-chars"),
    pytest.param(GOOD_SECRET_KEY, GOOD_SECRET_KEY, "must differ from SECRET_KEY", id="equal"),
]


@pytest.mark.parametrize(("secret_key", "jwt_secret", "reason"), REFUSALS)
@pytest.mark.parametrize("debug", [MISSING, "false", "0"], ids=["DEBUG-unset", "false", "0"])
def test_each_refusal_reason_stops_the_settings_from_loading(
    monkeypatch, secret_key, jwt_secret, reason, debug
):
    env = {
        name: value
        for name, value in (
            ("SECRET_KEY", secret_key),
            ("JWT_SECRET", jwt_secret),
            ("DEBUG", debug),
        )
        if value is not MISSING
    }
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(monkeypatch, **env)
    message = str(refused.value)
    assert reason in message
    for name in ("SECRET_KEY", "JWT_SECRET"):  # the message never echoes a secret
        value = env.get(name)
        if value and value != DEV_KEY:
            assert value not in message


def test_proper_secrets_load(monkeypatch):
    loaded = load_settings(monkeypatch, SECRET_KEY=GOOD_SECRET_KEY, JWT_SECRET=GOOD_JWT_SECRET)
    assert (loaded["SECRET_KEY"], loaded["JWT_SECRET"]) == (GOOD_SECRET_KEY, GOOD_JWT_SECRET)


OLD_SECRET_KEY = "prod-old-secret-key-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"


@pytest.mark.parametrize(
    ("fallbacks", "reason"),
    [
        pytest.param(DEV_KEY, "SECRET_KEY_FALLBACKS[0] is the development default", id="dev"),
        pytest.param(
            f"{OLD_SECRET_KEY},django-insecure-" + "q1w2e3r4t5" * 5,
            "SECRET_KEY_FALLBACKS[1] starts with 'django-insecure-'",
            id="insecure",
        ),
        pytest.param("a1b2c3" * 8, "at least 50 characters", id="short"),
        pytest.param(GOOD_JWT_SECRET, "must differ from JWT_SECRET", id="jwt"),
    ],
)
def test_a_weak_fallback_key_stops_the_settings_from_loading(monkeypatch, fallbacks, reason):
    """Django accepts what a fallback key signed: the development key kept as the "previous" key
    would let anybody sign for the service again."""
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(
            monkeypatch,
            SECRET_KEY=GOOD_SECRET_KEY,
            JWT_SECRET=GOOD_JWT_SECRET,
            SECRET_KEY_FALLBACKS=fallbacks,
        )
    assert reason in str(refused.value)
    assert OLD_SECRET_KEY not in str(refused.value)


def test_a_previous_key_loads_as_a_fallback(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        SECRET_KEY=GOOD_SECRET_KEY,
        JWT_SECRET=GOOD_JWT_SECRET,
        SECRET_KEY_FALLBACKS=OLD_SECRET_KEY,
    )
    assert loaded["SECRET_KEY_FALLBACKS"] == [OLD_SECRET_KEY]


def test_debug_mode_keeps_the_zero_setup_defaults(monkeypatch):
    """`make run` (DEBUG=true) needs no secrets at all."""
    loaded = load_settings(monkeypatch, DEBUG="true")
    assert loaded["SECRET_KEY"] == DEV_KEY


def test_the_release_step_refuses_too(tmp_path):
    """The Procfile's release step (manage.py migrate) loads the same settings."""
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
