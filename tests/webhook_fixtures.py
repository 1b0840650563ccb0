"""Fixtures of the webhook tests (loaded with pytest_plugins)."""

import pytest


@pytest.fixture
def local_targets(settings):
    """Allow http and loopback receivers (as a development setup would) and a 1 s timeout."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    return settings
