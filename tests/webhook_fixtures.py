"""Fixtures of the webhook tests (loaded with pytest_plugins)."""

import pytest

from config.celery import app as celery_app


@pytest.fixture
def local_targets(settings):
    """Allow http and loopback receivers (as a development setup would) and a 1 s timeout.

    Tasks are never run inside the request (as with a real broker), also in the zero-setup mode
    whose Celery is eager: the tests make each delivery attempt themselves."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield settings
    celery_app.conf.task_always_eager = eager
