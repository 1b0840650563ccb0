"""config.checks.check_autovacuum: the warning follows the real server's and tables' settings."""

import pytest
from django.core.checks import Warning as CheckWarning
from django.core.management import call_command
from django.db import connection

from config.checks import check_autovacuum

pytestmark = pytest.mark.django_db


def _server_autovacuum() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def test_warns_exactly_when_the_server_runs_without_autovacuum(postgres):
    warnings = check_autovacuum(None, databases=["default"])
    if _server_autovacuum() == "on":
        assert warnings == []
    else:
        assert [w.id for w in warnings] == ["linkgate.W001"]
        assert "for the server" in warnings[0].msg
        assert "table" not in warnings[0].msg  # no hot table has its own switch off


def test_names_a_hot_table_whose_autovacuum_was_switched_off(postgres):
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("ALTER TABLE magiclinks_loginlink SET (autovacuum_enabled = false)")
    (warning,) = check_autovacuum(None, databases=["default"])
    assert isinstance(warning, CheckWarning)
    assert "table magiclinks_loginlink" in warning.msg
    assert "audit_auditevent" not in warning.msg


def test_not_run_without_databases_nor_on_sqlite():
    # Django runs database checks only when asked for a database (migrate, check --database).
    assert check_autovacuum(None) == []
    if connection.vendor != "postgresql":
        assert check_autovacuum(None, databases=["default"]) == []


def test_check_command_runs_it_against_the_database(postgres, capsys):
    call_command("check", databases=["default"], fail_level="ERROR")
    output = capsys.readouterr()
    assert ("linkgate.W001" in output.err + output.out) == (_server_autovacuum() != "on")
