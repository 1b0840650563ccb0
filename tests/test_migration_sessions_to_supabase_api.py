"""Migrations supabase_api.0001 + accounts.0002: AuthSession and RefreshToken move from accounts
to supabase_api without moving data (state only; the tables keep their names).

The suite runs with --nomigrations, so this migrates a throwaway PostgreSQL database of its own
with `manage.py migrate`, as the release step does: first to the state before the move
(accounts 0001, where the models were accounts'), then a session and its refresh token are
written the way the old code wrote them, then forward. The rows must be the new models' rows
(the refresh token still refreshes), the content types relabelled (permissions granted on them
survive), and the migrated state must match the models.
"""

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def manage(db_name: str, *args: str) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    env = {**os.environ, "DATABASE_URL": f"postgres://{auth}@{host}/{db_name}", "CONN_MAX_AGE": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def throwaway_database(postgres):
    name = f"{connection.settings_dict['NAME']}_sessions_move"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(db_name: str, statements: str) -> str:
    """Run SQL in the throwaway database through Django's own connection settings."""
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute({statements!r})\n"
        "    print(c.fetchall() if c.description else '')\n"
    )
    return manage(db_name, "shell", "-v", "0", "-c", code).stdout.strip()


def test_sessions_survive_the_move_and_the_state_matches_the_models(throwaway_database):
    db = throwaway_database
    manage(db, "migrate", "accounts", "0001", "-v0")
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    refresh = "old-refresh-token-" + uuid.uuid4().hex
    digest = hashlib.sha256(refresh.encode()).hexdigest()
    sql(
        db,
        "INSERT INTO accounts_user (id, password, is_superuser, email, first_name, last_name, "
        "is_staff, is_active, user_metadata, app_metadata, new_email, created_at, updated_at) "
        f"VALUES ('{user_id}', '!', false, 'kim@example.com', '', '', false, true, '{{}}', "
        "'{}', '', now(), now()); "
        "INSERT INTO accounts_authsession (id, user_id, method, created_at, user_agent) "
        f"VALUES ('{session_id}', '{user_id}', 'otp', now(), ''); "
        "INSERT INTO accounts_refreshtoken (session_id, token_digest, created_at) "
        f"VALUES ('{session_id}', '{digest}', now())",
    )
    assert "accounts" in sql(
        db, "SELECT app_label FROM django_content_type WHERE model = 'authsession'"
    )

    manage(db, "migrate", "-v0")

    labels = sql(
        db,
        "SELECT app_label, model FROM django_content_type "
        "WHERE model IN ('authsession', 'refreshtoken') ORDER BY model",
    )
    assert labels == "[('supabase_api', 'authsession'), ('supabase_api', 'refreshtoken')]"
    refreshed = manage(
        db,
        "shell",
        "-v",
        "0",
        "-c",
        "from supabase_api.sessions import refresh_session\n"
        f"issued = refresh_session({refresh!r})\n"
        "print(issued.session.pk, issued.user.email, issued.session.tokens.count())",
    )
    assert refreshed.stdout.split() == [str(session_id), "kim@example.com", "2"]
    manage(db, "makemigrations", "--check", "--dry-run")
