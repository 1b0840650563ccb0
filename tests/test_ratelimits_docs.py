"""ratelimits.docs: docs/configuration.md lists every limit of ratelimits.table, as declared."""

import pytest
from django.core.management import CommandError, call_command

from ratelimits.docs import BEGIN, DOC, END, table_markdown, with_table
from ratelimits.table import LIMITS


def test_the_configuration_page_holds_the_table_generated_from_the_declaration():
    text = DOC.read_text()
    assert with_table(text) == text, "run: python manage.py write_limits_doc"
    for limit in LIMITS.values():
        assert f"| `{limit.name}` | {limit.count} per" in text


def test_a_stale_page_is_detected_and_rewritten(tmp_path, monkeypatch):
    stale = tmp_path / "configuration.md"
    stale.write_text(f"intro\n{BEGIN}\n| old |\n{END}\nrest\n")
    monkeypatch.setattr("ratelimits.management.commands.write_limits_doc.DOC", stale)
    with pytest.raises(CommandError):
        call_command("write_limits_doc", "--check")
    call_command("write_limits_doc")
    assert stale.read_text() == f"intro\n{BEGIN}\n{table_markdown()}\n{END}\nrest\n"
    call_command("write_limits_doc", "--check")  # up to date now
