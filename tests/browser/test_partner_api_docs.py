"""Swagger UI at /v1beta/docs/ renders the Partner API in Chromium under the site's CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_every_operation_without_csp_errors(page, live_server):
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/v1beta/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == 17  # every operation of the Partner API (7 webhooks)
    assert page.get_by_text("/v1beta/accounts/{account_id}/login-link", exact=True).count() == 1
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
