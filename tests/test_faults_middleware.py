"""config.middleware and config.http_errors: 413 for oversized bodies, 503 for unreachable
dependencies, 404/405/500 and the CSRF refusal, in each API's own error format (Partner API
envelope, GoTrue body) and as an HTML page elsewhere.

The views here are stand-ins mounted by this module's own URLconf, so the safety net is tested
on its own; tests/test_faults_redis.py and test_faults_postgres.py drive the real endpoints.
"""

import io
import sys

import pytest
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.decorators import api_view

from config.http_errors import method_not_allowed, server_error
from config.middleware import BodySizeLimitMiddleware
from ratelimits.counting import LimitStoreUnavailable

MB = 1_048_576
SUPABASE_2024 = {"X-Supabase-Api-Version": "2024-01-01"}


def _raiser(exc: Exception):
    def view(request):
        raise exc

    return view


@api_view(["POST"])
def drf_echo(request):
    return JsonResponse({"keys": sorted(request.data)})


def plain_echo(request):
    return HttpResponse(str(len(request.body)))


def _post_only(request):
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    return HttpResponse("posted")


urlpatterns = [
    path("v1beta/db", _raiser(OperationalError("server closed the connection"))),
    path("v1beta/limits", _raiser(LimitStoreUnavailable("partner_key_minute"))),
    path("v1beta/echo", drf_echo),
    path("auth/v1/redis", _raiser(RedisConnectionError("Connection refused"))),
    path("auth/v1/db", _raiser(InterfaceError("connection already closed"))),
    path("auth/v1/echo", drf_echo),
    path("auth/page", _raiser(RedisConnectionError("Connection refused"))),
    path("auth/echo", plain_echo),
    path("v1beta/bug", _raiser(ValueError("a real bug"))),
    path("auth/v1/bug", _raiser(ValueError("a real bug"))),
    path("v1beta/post-only", _post_only),
    path("auth/v1/post-only", _post_only),
    path("auth/post-only", _post_only),
    path("v1betaish/missing", _raiser(Http404())),
]

handler404 = "config.http_errors.not_found"
handler500 = "config.http_errors.server_error"

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


def test_database_fault_on_partner_api_is_503_envelope(client):
    response = client.get("/v1beta/db")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "server closed" not in response.content.decode()  # no driver message leaks


def test_limit_store_fault_on_partner_api_is_503(client):
    response = client.post("/v1beta/limits", {}, content_type="application/json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.parametrize("url", ["/auth/v1/redis", "/auth/v1/db"])
def test_faults_on_admin_api_are_503_gotrue(client, url):
    response = client.get(url, headers={"X-Supabase-Api-Version": "2024-01-01"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["x-sb-error-code"] == "service_unavailable"
    assert response.json() == {
        "code": "service_unavailable",
        "message": "The service is temporarily unavailable. Please retry shortly.",
    }
    legacy = client.get(url)
    assert legacy.json()["code"] == 503 and legacy.json()["error_code"] == "service_unavailable"


def test_faults_on_pages_are_a_503_html_page(client):
    response = client.get("/auth/page")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "5"


def test_other_exceptions_still_reach_the_500_handler(client):
    response = client.get("/v1beta/bug")
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "INTERNAL_ERROR",
            "message": "An unexpected error occurred. It has been logged.",
        }
    }
    admin = client.get("/auth/v1/bug", headers=SUPABASE_2024)
    assert admin.status_code == 500
    assert admin.json() == {
        "code": "unexpected_failure",
        "message": "An unexpected error occurred.",
    }


def test_unknown_paths_are_404_in_each_api_format_and_html_elsewhere(client):
    partner = client.get("/v1beta/nothing-here")
    assert partner.status_code == 404
    assert partner.json() == {"error": {"code": "NOT_FOUND", "message": "No such endpoint."}}
    admin = client.get("/auth/v1/nothing-here", headers=SUPABASE_2024)
    assert admin.status_code == 404
    assert admin.json() == {"code": "not_found", "message": "No such endpoint."}
    page = client.get("/auth/nothing-here")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_prefix_is_a_whole_path_segment(client):
    # /v1betaish is not under the Partner API: an HTML 404 like any other page.
    response = client.get("/v1betaish/missing")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_method_not_allowed_outside_drf_speaks_each_format(client):
    partner = client.get("/v1beta/post-only")
    assert (partner.status_code, partner["Allow"]) == (405, "POST")
    assert partner.json() == {
        "error": {"code": "METHOD_NOT_ALLOWED", "message": "Method not allowed."}
    }
    admin = client.get("/auth/v1/post-only", headers=SUPABASE_2024)
    assert (admin.status_code, admin["Allow"]) == (405, "POST")
    assert admin.json() == {"code": "method_not_allowed", "message": "Method not allowed."}
    page = client.get("/auth/post-only")
    assert (page.status_code, page["Allow"]) == (405, "POST")
    assert page.content == b""
    assert client.post("/auth/post-only").content == b"posted"


def test_csrf_refusal_is_a_json_404_only_under_the_csrf_exempt_api():
    browser = Client(enforce_csrf_checks=True)
    partner = browser.post("/v1beta/post-only", {})
    assert partner.status_code == 404
    assert partner.json()["error"]["code"] == "NOT_FOUND"
    # The Admin API has an HTML form (the verify confirmation): Django's CSRF page there.
    admin = browser.post("/auth/v1/post-only", {})
    assert admin.status_code == 403 and admin["Content-Type"].startswith("text/html")


def test_server_error_handler_turns_faults_raised_outside_views_into_503():
    request = RequestFactory().get("/v1beta/anything")
    try:
        raise OperationalError("lost")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert sys.exc_info() == (None, None, None)


def test_oversized_bodies_are_413_json_in_each_api_format(client):
    body = b'{"a": "' + b"x" * MB + b'"}'
    limit = f"The request body is larger than the limit of {MB} bytes."
    partner = client.post("/v1beta/echo", body, content_type="application/json")
    assert partner.status_code == 413
    assert partner.json() == {
        "error": {"code": "PAYLOAD_TOO_LARGE", "message": limit, "details": {"max_bytes": MB}}
    }
    admin = client.post(
        "/auth/v1/echo", body, content_type="application/json", headers=SUPABASE_2024
    )
    assert admin.status_code == 413
    assert admin.json() == {"code": "request_too_large", "message": limit}
    assert admin["x-sb-error-code"] == "request_too_large"


def test_a_body_at_the_limit_passes(client):
    body = b'{"a": "' + b"x" * (MB - 9) + b'"}'
    assert len(body) == MB
    response = client.post("/v1beta/echo", body, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"keys": ["a"]}


def test_oversized_form_post_outside_the_apis_is_413(client):
    response = client.post("/auth/echo", b"x" * (MB + 1), content_type="text/plain")
    assert response.status_code == 413


def _chunked_request(body: bytes):
    request = RequestFactory().post("/v1beta/echo", b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(body)
    return request


def test_streamed_bodies_are_bounded_too():
    seen = {}

    def view(request):
        seen["body"] = request.read()
        return HttpResponse("ok")

    guard = BodySizeLimitMiddleware(view)
    assert guard(_chunked_request(b"x" * (MB + 1))).status_code == 413
    assert "body" not in seen
    assert guard(_chunked_request(b'{"a": 1}')).status_code == 200
    assert seen["body"] == b'{"a": 1}'
