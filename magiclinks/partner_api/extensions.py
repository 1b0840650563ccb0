"""Routes that apps above magiclinks add to the Partner API (webhooks), without an upward import.

An app calls `register(patterns)` in its AppConfig.ready(); the URL module (read after every app
is ready) places them before the catch-all 404 and in the OpenAPI schema with the others.
"""

from django.urls import URLPattern

_patterns: list[URLPattern] = []


def register(patterns: list[URLPattern]) -> None:
    """Add `patterns` to /v1beta (once; a second call with the same patterns changes nothing)."""
    for pattern in patterns:
        if pattern not in _patterns:
            _patterns.append(pattern)


def patterns() -> list[URLPattern]:
    return list(_patterns)
