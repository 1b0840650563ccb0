"""Schemathesis over both APIs' OpenAPI schemas (/v1beta/schema/ and /auth/v1/schema/): generated
requests, valid and invalid, sent through the real WSGI application with real keys. Checks: no
5xx, and every response conforms to the schema (documented status code, content type, body).

Each test is self-contained: its own partner, key and service key (the fixture), the cache
cleared before it (tests/conftest.py), examples derandomized, and its own count of the requests
it sent, checked by itself (over 1,000 in all). The rate limits are switched off for the run
(RATELIMIT_ENABLE=false): with them on, counters filled by earlier examples would turn later ones
into 429s before they reach a view, so what is checked would depend on the order of examples
(the limits themselves are tested in their own modules: tests/test_limits.py and the API tests).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.key_services import create_service_key
from audit.actors import Actor

EXAMPLES_PER_OPERATION = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Requests each schema's run sends at least, 1,350 in all (measured: 541 and 902 with these
# settings; an operation with few possible inputs, like GET /health, is exhausted early).
MIN_REQUESTS = {"/v1beta/schema/": 500, "/auth/v1/schema/": 850}


@pytest.fixture
def fuzz_keys(transactional_db, make):
    partner = make.partner()
    make.account(partner)
    service = create_service_key("fuzz", actor=Actor.system("test")).plaintext
    with override_settings(RATELIMIT_ENABLE=False):
        yield {
            "partner": {"Authorization": f"Bearer {make.api_key(partner)}"},
            "admin": {
                "Authorization": f"Bearer {service}",
                "apikey": service,
                "X-Supabase-Api-Version": "2024-01-01",
            },
        }


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def fuzz(schema_path: str, headers: dict) -> tuple[list[str], int]:
    """Run every operation of the schema; returns one line per failing operation and the number
    of requests sent."""
    # schemathesis' own pytest plugin does not support pytest 9 yet, so its strategies are
    # driven with hypothesis directly.
    schema = schemathesis.openapi.from_wsgi(schema_path, WSGIHandler())
    failures = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ_SETTINGS
        def check(case):
            nonlocal sent
            sent += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    return failures, sent


@pytest.mark.parametrize(
    ("schema_path", "auth"), [("/v1beta/schema/", "partner"), ("/auth/v1/schema/", "admin")]
)
def test_generated_requests_get_documented_answers(fuzz_keys, schema_path, auth):
    failures, sent = fuzz(schema_path, fuzz_keys[auth])
    assert not failures, "\n\n".join(failures)
    assert sent >= MIN_REQUESTS[schema_path], sent


MB = 1_048_576


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "auth", "expected"),
    [
        ("/v1beta/accounts", "partner", "PAYLOAD_TOO_LARGE"),
        ("/auth/v1/admin/generate_link", "admin", "request_too_large"),
        ("/auth/v1/verify", "admin", "request_too_large"),
    ],
)
def test_oversized_bodies_are_413_json_on_both_apis(client, fuzz_keys, url, auth, expected):
    body = b'{"email": "' + b"x" * MB + b'@example.com"}'
    response = client.post(url, body, content_type="application/json", headers=fuzz_keys[auth])
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    code = payload["error"]["code"] if url.startswith("/v1beta") else payload["code"]
    assert code == expected


@pytest.mark.django_db
def test_a_post_to_a_malformed_partner_path_is_json_not_a_csrf_page(fuzz_keys):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/v1beta/accounts/-5/login-link",
        {},
        content_type="application/json",
        headers=fuzz_keys["partner"],
    )
    assert response["Content-Type"].startswith("application/json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
