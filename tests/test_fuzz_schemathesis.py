"""Schemathesis over both APIs' OpenAPI schemas (/v1beta/schema/ and /auth/v1/schema/): generated
requests, valid and invalid, sent through the real WSGI application with real keys. Checks: no
5xx, and every response conforms to the schema (documented status code, content type, body).

At least 1,000 requests in all (counted; the last test checks it). The per-key and per-IP
limits are raised for the run so the generated requests reach the views rather than stopping at
a 429 (the limits themselves are tested in their own modules).
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
SENT = {"requests": 0}
BIG = 1_000_000


@pytest.fixture
def fuzz_keys(transactional_db, make):
    partner = make.partner(
        rate_limit_per_minute=BIG, rate_limit_per_day=BIG, login_links_per_account_per_hour=BIG
    )
    make.account(partner)
    service = create_service_key("fuzz", actor=Actor.system("test")).plaintext
    raised = override_settings(
        ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES=BIG,
        ADMIN_API_EMAILS_PER_IP_PER_HOUR=BIG,
        ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE=BIG,
    )
    with raised:
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


def fuzz(schema_path: str, headers: dict) -> list[str]:
    """Run every operation of the schema; returns one line per failing operation."""
    # schemathesis' own pytest plugin does not support pytest 9 yet, so its strategies are
    # driven with hypothesis directly.
    schema = schemathesis.openapi.from_wsgi(schema_path, WSGIHandler())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ_SETTINGS
        def check(case):
            SENT["requests"] += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    return failures


def test_partner_api(fuzz_keys):
    failures = fuzz("/v1beta/schema/", fuzz_keys["partner"])
    assert not failures, "\n\n".join(failures)


def test_admin_api(fuzz_keys):
    failures = fuzz("/auth/v1/schema/", fuzz_keys["admin"])
    assert not failures, "\n\n".join(failures)


def test_at_least_a_thousand_requests_were_generated():
    if SENT["requests"] == 0:
        pytest.skip("the fuzz tests above did not run in this session")
    assert SENT["requests"] >= 1000, SENT


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
