"""Deeply nested JSON bodies: `[` × 100,000 made the JSON decoder raise RecursionError, a 500 on
both APIs, unauthenticated on /auth/v1/verify and before its per-IP limit was counted.

Now the shared parser (config.parsers.JSONParser) answers 400 `bad_json` (Admin API) /
`INVALID_JSON` (Partner API) for any nesting deeper than MAX_JSON_DEPTH, and the public
/auth/v1 endpoints with a per-IP limit count it before they read the body, so garbage costs the
sender its allowance like any other attempt.
"""

import json

import pytest
from django.test import Client

from accounts.models import User
from config.parsers import MAX_JSON_DEPTH
from tests.partner_api_support import Api, error_of
from tests.supabase_api_support import V2024, new_service_key

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db

# The review's body, and its friends: deep objects, deep but complete (valid) JSON, both just
# past the depth limit and far past the interpreter's recursion limit.
BOMBS = {
    "open_lists": "[" * 100_000,
    "open_objects": '{"a":' * 100_000,
    "valid_deep_lists": "[" * 5_000 + "]" * 5_000,
    "valid_deep_objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "just_too_deep": '{"data":' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}",
}


@pytest.fixture
def client():
    # See what the site answers (a 500 included) rather than the test client re-raising.
    return Client(raise_request_exception=False)


def post(client, path, raw, **headers):
    return client.generic("POST", path, raw, content_type="application/json", headers=headers)


def assert_gotrue_bad_json(response):
    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_json"


@pytest.mark.parametrize("body", BOMBS.values(), ids=BOMBS.keys())
@pytest.mark.parametrize("path", ["/auth/v1/verify", "/auth/v1/otp", "/auth/v1/recover"])
def test_public_admin_api_endpoints_answer_bad_json(client, path, body):
    assert_gotrue_bad_json(post(client, path, body, **V2024))


@pytest.mark.parametrize("body", BOMBS.values(), ids=BOMBS.keys())
def test_authenticated_admin_api_answers_bad_json(client, body):
    key = new_service_key()
    headers = {**V2024, "Authorization": f"Bearer {key}"}
    assert_gotrue_bad_json(post(client, "/auth/v1/admin/users", body, **headers))
    assert_gotrue_bad_json(post(client, "/auth/v1/admin/generate_link", body, **headers))
    assert not User.objects.exists()


@pytest.mark.parametrize("body", BOMBS.values(), ids=BOMBS.keys())
def test_partner_api_answers_invalid_json(client, tenant, body):
    api = Api(tenant.key, client)
    for path in ("/accounts", f"/accounts/{tenant.account.pk}/login-link"):
        response = api.post(path, raw=body)
        assert error_of(response) == (400, "INVALID_JSON"), path


def test_nesting_up_to_the_limit_is_still_parsed(client, tenant):
    """The limit refuses only what no client sends: MAX_JSON_DEPTH levels still reach the view."""
    deep = {"a": 1}
    for _ in range(MAX_JSON_DEPTH - 2):
        deep = {"a": deep}
    body = json.dumps({"email": "x@example.com", "data": deep})
    response = post(client, "/auth/v1/otp", body, **V2024)
    assert response.status_code == 200, response.content[:300]


def test_verify_counts_the_limit_before_parsing_the_body(client, settings):
    """Garbage bodies use up the per-IP allowance: the 4th request is refused whatever it holds."""
    settings.ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES = 3
    for garbage in ("[" * 100_000, "not json at all", '{"type":'):
        assert_gotrue_bad_json(post(client, "/auth/v1/verify", garbage, **V2024))
    honest = post(client, "/auth/v1/verify", '{"type": "magiclink", "token_hash": "x"}', **V2024)
    assert honest.status_code == 429 and honest.json()["code"] == "over_request_rate_limit"
    again = post(client, "/auth/v1/verify", "[" * 100_000, **V2024)
    assert again.status_code == 429


@pytest.mark.parametrize("endpoint", ["otp", "recover"])
def test_email_endpoints_count_the_ip_limit_before_parsing_the_body(client, settings, endpoint):
    settings.ADMIN_API_EMAILS_PER_IP_PER_HOUR = 2
    for garbage in ("[" * 100_000, "not json"):
        assert_gotrue_bad_json(post(client, f"/auth/v1/{endpoint}", garbage, **V2024))
    honest = post(client, f"/auth/v1/{endpoint}", '{"email": "a@example.com"}', **V2024)
    assert honest.status_code == 429, honest.content
    assert honest.json()["code"] == "over_email_send_rate_limit"
