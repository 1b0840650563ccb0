"""The Partner API's OpenAPI schema (/v1beta/schema/) and Swagger UI (/v1beta/docs/).

Live responses of every operation, successes and errors, are validated against the schema with
schemathesis' response validation, so the schema the fuzzing run relies on is accurate.
"""

import re

import pytest
import requests
import schemathesis
from django.test import Client

from accounts.models import AccountStatus
from tests.partner_api_support import Api

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi() -> dict:
    response = Client().get("/v1beta/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_contains_only_partner_api_paths(openapi):
    assert openapi["openapi"].startswith("3.")
    assert set(openapi["paths"]) == {
        "/v1beta/health",
        "/v1beta/accounts",
        "/v1beta/accounts/{account_id}",
        "/v1beta/accounts/{account_id}/users",
        "/v1beta/accounts/{account_id}/login-link",
        "/v1beta/accounts/{account_id}/login-links",
        "/v1beta/accounts/{account_id}/login-links/{link_id}/revoke",
        "/v1beta/accounts/{account_id}/activity",
        "/v1beta/webhooks",
        "/v1beta/webhooks/{webhook_id}",
        "/v1beta/webhooks/{webhook_id}/test",
        "/v1beta/webhooks/{webhook_id}/deliveries",
    }


def test_every_post_documents_the_idempotency_key(openapi):
    posts = [item["post"] for item in openapi["paths"].values() if "post" in item]
    assert len(posts) == 6
    for post in posts:
        assert "Idempotency-Key" in [p["name"] for p in post["parameters"] if p["in"] == "header"]
        assert "IDEMPOTENCY_KEY_REUSED" in str(post["responses"]["422"])
        assert "IDEMPOTENCY_KEY_IN_PROGRESS" in str(post["responses"]["409"])


def test_schema_documents_auth_errors_and_examples(openapi):
    assert openapi["components"]["securitySchemes"]["PartnerApiKey"]["scheme"] == "bearer"
    assert "Error" in openapi["components"]["schemas"]
    generate = openapi["paths"]["/v1beta/accounts/{account_id}/login-link"]["post"]
    assert {"201", "400", "401", "403", "404", "415", "429", "503"} <= set(generate["responses"])
    assert generate["requestBody"]["content"]["application/json"]["examples"]
    assert generate["responses"]["201"]["content"]["application/json"]["examples"]
    codes_429 = str(generate["responses"]["429"])
    assert "LOGIN_LINK_LIMIT_EXCEEDED" in codes_429 and "RATE_LIMIT_EXCEEDED" in codes_429
    create = openapi["paths"]["/v1beta/accounts"]["post"]
    assert "409" in create["responses"] and "ACCOUNT_EXISTS" in str(create["responses"]["409"])
    # No security requirement at all (the schema has no global one either): health is public.
    assert "security" not in openapi and "security" not in openapi["paths"]["/v1beta/health"]["get"]
    assert openapi["paths"]["/v1beta/accounts"]["get"]["security"] == [{"PartnerApiKey": []}]
    request_body = openapi["components"]["schemas"]["GenerateLinkRequest"]
    assert request_body["additionalProperties"] is False
    body = request_body["properties"]
    assert (body["expiry_hours"]["minimum"], body["expiry_hours"]["maximum"]) == (1, 168)


def _wrap(response, method: str, path: str) -> schemathesis.Response:
    """A Django test response in schemathesis' transport-neutral form."""
    headers = {key: [value] for key, value in response.headers.items()}
    request = requests.Request(method, f"http://testserver{path}").prepare()
    return schemathesis.Response(
        response.status_code, headers, response.content, request, 0.0, True
    )


def test_live_responses_match_the_schema(openapi, tenant, other_tenant, make):
    schema = schemathesis.openapi.from_dict(openapi)
    api = tenant.api
    acc = tenant.account.pk
    checked: list[tuple[str, str, int]] = []

    def check(method: str, template: str, response, **path_params) -> None:
        operation = schema[template][method]
        operation.validate_response(_wrap(response, method, template.format(**path_params)))
        checked.append((method, template, response.status_code))

    created = api.post(
        "/accounts",
        {
            "email": "a@example.com",
            "first_name": "A",
            "last_name": "B",
            "spouse": {"email": "s@example.com", "first_name": "S", "last_name": "B"},
        },
    )
    check("POST", "/v1beta/accounts", created)
    check(
        "POST",
        "/v1beta/accounts",
        api.post("/accounts", {"email": "a@example.com", "first_name": "A", "last_name": "B"}),
    )
    check("POST", "/v1beta/accounts", api.post("/accounts", {"email": "bad"}))
    check("POST", "/v1beta/accounts", api.post("/accounts", raw="[]"))
    check("POST", "/v1beta/accounts", api.post("/accounts", raw="x=1", content_type="text/plain"))
    check("GET", "/v1beta/accounts", api.get("/accounts"))
    check("GET", "/v1beta/accounts", api.get("/accounts", {"limit": 0}))
    check("GET", "/v1beta/accounts", Api(None).get("/accounts"))
    check("GET", "/v1beta/accounts/{account_id}", api.get(f"/accounts/{acc}"), account_id=acc)
    check(
        "GET",
        "/v1beta/accounts/{account_id}",
        api.get(f"/accounts/{other_tenant.account.pk}"),
        account_id=acc,
    )
    check(
        "GET",
        "/v1beta/accounts/{account_id}/users",
        api.get(f"/accounts/{acc}/users"),
        account_id=acc,
    )
    added = api.post(
        f"/accounts/{acc}/users", {"email": "n@example.com", "first_name": "N", "last_name": "M"}
    )
    check("POST", "/v1beta/accounts/{account_id}/users", added, account_id=acc)
    check(
        "POST",
        "/v1beta/accounts/{account_id}/users",
        api.post(
            f"/accounts/{acc}/users",
            {"email": "n@example.com", "first_name": "N", "last_name": "M"},
        ),
        account_id=acc,
    )
    link = api.post(
        f"/accounts/{acc}/login-link",
        {"redirect_url": "https://yourplatform.com/x", "purpose": "support_request"},
    )
    check("POST", "/v1beta/accounts/{account_id}/login-link", link, account_id=acc)
    check(
        "POST",
        "/v1beta/accounts/{account_id}/login-link",
        api.post(f"/accounts/{acc}/login-link", {}),
        account_id=acc,
    )
    check(
        "POST",
        "/v1beta/accounts/{account_id}/login-link",
        api.post(f"/accounts/{acc}/login-link", {"user_email": "x@example.com"}),
        account_id=acc,
    )
    scoped = Api(make.api_key(tenant.partner, name="read-only", scopes=["accounts:read"]))
    check(
        "POST",
        "/v1beta/accounts/{account_id}/login-link",
        scoped.post(f"/accounts/{acc}/login-link", {}),
        account_id=acc,
    )
    check(
        "GET",
        "/v1beta/accounts/{account_id}/login-links",
        api.get(f"/accounts/{acc}/login-links"),
        account_id=acc,
    )
    link_id = link.json()["link_id"]
    revoke = "/v1beta/accounts/{account_id}/login-links/{link_id}/revoke"
    check(
        "POST",
        revoke,
        api.post(f"/accounts/{acc}/login-links/{link_id}/revoke"),
        account_id=acc,
        link_id=link_id,
    )
    check(
        "POST",
        revoke,
        api.post(f"/accounts/{acc}/login-links/{link_id}/revoke"),
        account_id=acc,
        link_id=link_id,
    )
    check(
        "GET",
        "/v1beta/accounts/{account_id}/activity",
        api.get(f"/accounts/{acc}/activity"),
        account_id=acc,
    )
    check("GET", "/v1beta/health", Client().get("/v1beta/health"))
    tenant.partner.login_links_per_account_per_hour = 1
    tenant.partner.save()
    api.post(f"/accounts/{acc}/login-link", {})  # the counter restarts with a new limit
    check(
        "POST",
        "/v1beta/accounts/{account_id}/login-link",
        api.post(f"/accounts/{acc}/login-link", {}),
        account_id=acc,
    )
    tenant.account.status = AccountStatus.SUSPENDED
    tenant.account.save()
    check(
        "POST",
        "/v1beta/accounts/{account_id}/login-link",
        api.post(f"/accounts/{acc}/login-link", {}),
        account_id=acc,
    )

    statuses = {status for _, _, status in checked}
    assert {200, 201, 400, 401, 403, 404, 409, 415, 429} <= statuses


def test_swagger_ui_loads_without_inline_script_or_style():
    client = Client()
    page = client.get("/v1beta/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    csp = page["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
    script = re.search(r'<script src="(/v1beta/docs/\?script=[^"]*)"', html).group(1)
    init = client.get(script)
    assert init.status_code == 200 and b"SwaggerUIBundle" in init.content
    assert b"/v1beta/schema/" in init.content
