"""Playwright fixtures: Debian's Chromium (never a downloaded browser) against pytest-django's
live server.

Chromium missing is a failure in CI (CI=true; .ci/run installs it with apt-get) and a skip
elsewhere. `shot(page, name)` saves docs/screenshots/<name>.png only when SAVE_SCREENSHOTS=1, so
CI runs never change the tree.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import need

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def async_unsafe_allowed():
    """Playwright's sync API runs an event loop in this thread, and Django's ORM refuses to run
    in "an async context" unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is set only while a browser
    module runs: set at import it would leak into the rest of the session, e.g. into the
    `check --deploy` subprocess of tests/test_settings.py (async.E001)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def chromium(async_unsafe_allowed):
    need(Path(CHROMIUM).is_file(), f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 1000, "height": 760},
        user_agent="Mozilla/5.0 (X11; Linux x86_64) LinkgateBrowserTest/1.0",
        locale="en-GB",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def mobile_page(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 390, "height": 760}, device_scale_factor=1, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Save a full-page screenshot for docs/end-users.md when SAVE_SCREENSHOTS=1."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
