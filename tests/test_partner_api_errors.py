"""The Partner API's error envelope for every failure (magiclinks.partner_api.errors)."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, override_settings

from accounts.models import Account, User
from audit.models import AuditEvent
from magiclinks.models import LoginLink, Notification
from magiclinks.partner_api import errors
from ratelimits.counting import LimitStoreUnavailable
from tests.partner_api_support import Api, error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


def counts():
    return tuple(m.objects.count() for m in (Account, User, LoginLink, AuditEvent, Notification))


@pytest.mark.parametrize("path", ["/nope", "/accounts/1/nope", "/accounts/abc", "/", "/accounts/"])
def test_unknown_path_is_json_404(tenant, path):
    assert error_of(tenant.api.get(path)) == (404, "NOT_FOUND")


@override_settings(DEBUG=True)
def test_unknown_path_is_json_even_with_debug_on():
    assert error_of(Client().get("/v1beta/whatever")) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/accounts"),
        ("PUT", "/accounts/{id}"),
        ("GET", "/accounts/{id}/login-link"),
        ("PATCH", "/accounts/{id}/users"),
        ("POST", "/health"),
    ],
)
def test_wrong_method_is_405(tenant, method, path):
    response = tenant.api.call(method, path.format(id=tenant.account.pk))
    assert error_of(response) == (405, "METHOD_NOT_ALLOWED")
    assert response["Allow"]


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("text/plain", '{"email": "a@example.com"}'),
        ("application/x-www-form-urlencoded", "email=a%40example.com"),
        ("multipart/form-data; boundary=x", "--x--"),
        ("", '{"email": "a@example.com"}'),
    ],
)
def test_post_without_json_content_type_is_415_and_writes_nothing(tenant, content_type, raw):
    before = counts()
    response = tenant.api.post("/accounts", raw=raw, content_type=content_type)
    assert error_of(response) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert counts() == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "42", "null", "{bad json", "\xff"])
def test_body_that_is_not_a_json_object_is_invalid_json(tenant, raw):
    before = counts()
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", raw=raw)
    assert error_of(response) == (400, "INVALID_JSON")
    assert counts() == before


def test_empty_post_is_an_empty_object_whatever_its_type(tenant):
    # wsgiref fills in text/plain for a POST without a Content-Type; there is nothing to parse.
    path = f"/accounts/{tenant.account.pk}/login-link"
    response = tenant.api.post(path, raw="", content_type="text/plain")
    assert response.status_code == 201
    assert response.json()["expires_in_hours"] == 168


def test_charset_parameter_is_accepted(tenant):
    response = tenant.api.post(
        f"/accounts/{tenant.account.pk}/login-link",
        raw="{}",
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


def test_validation_error_lists_every_field(tenant):
    response = tenant.api.post("/accounts", {"email": "x", "extra": 1, "spouse": {"email": 3}})
    assert error_of(response) == (400, "VALIDATION_ERROR")
    fields = response.json()["error"]["details"]["fields"]
    assert {
        "email",
        "first_name",
        "last_name",
        "extra",
        "spouse.email",
        "spouse.first_name",
    } <= set(fields)
    assert all(isinstance(messages, list) and messages for messages in fields.values())


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "tab\tin name"])
def test_strings_postgres_cannot_store_are_validation_errors(tenant, bad):
    body = {"email": "ok@example.com", "first_name": bad, "last_name": "B"}
    response = tenant.api.post("/accounts", body)
    assert error_of(response) == (400, "VALIDATION_ERROR")


def test_unhandled_exception_is_json_500_without_traceback(tenant, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr("magiclinks.partner_api.views_links.generate_partner_link", explode)
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {})
    assert error_of(response) == (500, "INTERNAL_ERROR")
    assert b"Traceback" not in response.content and b"internal detail" not in response.content


def test_failure_inside_a_flow_rolls_back_everything(tenant, monkeypatch):
    # The outbox write fails after the link was inserted: the link and its events must go too.
    def broken_queue(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("magiclinks.flows.partner_link.queue_link_email", broken_queue)
    before = counts()
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {})
    assert error_of(response) == (500, "INTERNAL_ERROR")
    assert counts() == before


@pytest.mark.parametrize(
    "exc", [LimitStoreUnavailable("x"), OperationalError("db gone"), InterfaceError("closed")]
)
def test_unavailable_dependencies_map_to_503(exc):
    response = errors.exception_handler(exc, {})
    assert response.status_code == 503
    assert response.data["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"] == "5"


def test_accept_header_never_causes_406(tenant):
    response = tenant.api.get("/accounts", Accept="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_head_and_options_on_a_get_endpoint(tenant):
    assert tenant.api.call("HEAD", "/accounts").status_code == 200
    assert Api(None).call("OPTIONS", "/accounts").status_code == 401
