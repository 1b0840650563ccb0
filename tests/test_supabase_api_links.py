"""POST /admin/generate_link at the HTTP level: every error case of the contract, validation
order, user-creation rules, the flat response, redirects, lifetimes, and that nothing is sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from magiclinks import tokens
from magiclinks.models import LoginLink, Notification

from .supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db
URL = "/auth/v1/admin/generate_link"
PASSWORD = "correct horse battery staple"
LINK_FIELDS = ("action_link", "email_otp", "hashed_token", "verification_type", "redirect_to")


@pytest.fixture
def post(client, settings):
    settings.SITE_URL = "https://app.example.com"
    settings.PUBLIC_BASE_URL = "https://login.example.com"
    key = new_service_key()

    def send(body, query=""):
        body = {"password": None, "new_email": None, "data": None, **body}
        return client.post(
            URL + query,
            body,
            content_type="application/json;charset=UTF-8",
            headers={**V2024, "Authorization": f"Bearer {key}"},
        )

    return send


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response["x-sb-error-code"] == code
    assert LoginLink.objects.count() == 0  # a refused request changes nothing


def confirmed(email="known@example.com"):
    return User.objects.create_user(email, email_confirmed_at=timezone.now())


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (None, "An email address is required"),
        ("", "An email address is required"),
        ("not-an-address", "Unable to validate email address: invalid format"),
        ("a" * 250 + "@x.com", "email is too long (at most 255 characters)"),
        (42, "email must be a string"),
    ],
)
def test_email_is_checked_first(post, email, message):
    # An invalid type too: the email is reported, because it is checked before the type.
    response = post({"type": "bogus", "email": email})
    assert_error(response, 400, "validation_failed")
    assert response.json()["message"] == message


def test_unknown_type_is_validation_failed(post):
    response = post({"type": "email_change", "email": "a@example.com"})
    assert_error(response, 400, "validation_failed")
    assert "Invalid email action link type" in response.json()["message"]


def test_flat_response_with_string_link_fields(post):
    response = post({"type": "signup", "email": "  New@Example.COM ", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    for field in LINK_FIELDS:
        assert isinstance(body[field], str) and body[field], field
    for field in ("id", "aud", "role", "email", "app_metadata", "user_metadata", "identities"):
        assert field in body
    assert None not in body.values()
    assert body["email"] == "new@example.com"
    assert body["verification_type"] == "signup"
    assert body["redirect_to"] == "https://app.example.com"
    link = LoginLink.objects.get()
    assert tokens.stored_digest(body["hashed_token"]) == link.token_digest
    assert body["action_link"].startswith("https://login.example.com/auth/v1/verify?token=")
    assert body["action_link"].endswith("&type=signup&redirect_to=https%3A%2F%2Fapp.example.com")
    assert len(body["email_otp"]) == 6 and body["email_otp"].isdigit()
    assert link.expires_at - link.created_at == timedelta(hours=1)
    assert Notification.objects.count() == 0  # generate_link sends nothing


def test_signup_rules(post):
    assert_error(post({"type": "signup", "email": "a@example.com"}), 400, "validation_failed")
    weak = post({"type": "signup", "email": "a@example.com", "password": "123"})
    assert_error(weak, 422, "weak_password")
    assert "length" in weak.json()["weak_password"]["reasons"]
    assert not User.objects.exists()
    confirmed()
    exists = post({"type": "signup", "email": "known@example.com", "password": PASSWORD})
    assert_error(exists, 422, "email_exists")


def test_signup_of_unconfirmed_user_needs_no_password_and_merges_data(post):
    User.objects.create_user("pending@example.com", user_metadata={"a": 1})
    response = post({"type": "signup", "email": "pending@example.com", "data": {"b": 2}})
    assert response.status_code == 200
    assert response.json()["user_metadata"] == {"a": 1, "b": 2}


def test_invite_rules(post):
    response = post({"type": "invite", "email": "guest@example.com", "data": {"team": "x"}})
    assert response.status_code == 200
    user = User.objects.get(email="guest@example.com")
    assert user.invited_at is not None and not user.has_usable_password()
    assert user.user_metadata == {"team": "x"}
    LoginLink.objects.all().delete()
    confirmed()
    assert_error(post({"type": "invite", "email": "known@example.com"}), 422, "email_exists")


def test_magiclink_for_unknown_becomes_signup(post):
    body = post({"type": "magiclink", "email": "fresh@example.com"}).json()
    assert body["verification_type"] == "signup"
    assert "&type=signup&" in body["action_link"]
    assert LoginLink.objects.get().kind == "signup"
    assert not User.objects.get(email="fresh@example.com").has_usable_password()


@pytest.mark.parametrize("link_type", ["recovery", "email_change_current", "email_change_new"])
def test_unknown_user_is_404(post, link_type):
    response = post({"type": link_type, "email": "ghost@example.com", "new_email": "n@x.com"})
    assert_error(response, 404, "user_not_found")


@pytest.mark.parametrize("link_type", ["email_change_current", "email_change_new"])
def test_email_change_needs_a_free_valid_new_email(post, link_type):
    confirmed()
    confirmed("taken@example.com")
    missing = post({"type": link_type, "email": "known@example.com"})
    assert_error(missing, 400, "validation_failed")
    invalid = post({"type": link_type, "email": "known@example.com", "new_email": "nope"})
    assert_error(invalid, 400, "validation_failed")
    taken = post({"type": link_type, "email": "known@example.com", "new_email": "Taken@x.com"})
    assert taken.status_code == 200  # another address: fine
    LoginLink.objects.all().delete()
    clash = post(
        {"type": link_type, "email": "known@example.com", "new_email": "TAKEN@example.com"}
    )
    assert_error(clash, 422, "email_exists")


def test_email_change_link_stores_the_new_address(post):
    confirmed()
    body = post(
        {"type": "email_change_new", "email": "known@example.com", "new_email": "New@X.com"}
    ).json()
    assert body["new_email"] == "new@x.com"
    assert "&type=email_change&" in body["action_link"]
    assert LoginLink.objects.get().new_email == "new@x.com"


def test_redirects_allow_site_url_and_globs_only(post, settings):
    settings.REDIRECT_ALLOW_LIST = ["https://*.example.org/**", "myapp://callback"]
    confirmed()
    ok = {
        "https://app.example.com/any/path?x=1": True,
        "https://sub.example.org/deep/path": True,
        "myapp://callback": False,  # only http(s) targets
        "https://app.example.com:444/": False,  # another port
        "http://app.example.com/": False,  # another scheme
        "https://a.b.example.org/x": False,  # * stays within one label
        "https://evil.com/?https://app.example.com": False,
        "https://user@app.example.com/": False,
        "javascript:alert(1)": False,
    }
    for target, allowed in ok.items():
        response = post({"type": "recovery", "email": "known@example.com", "redirect_to": target})
        if allowed:
            assert response.status_code == 200, target
            assert response.json()["redirect_to"] == target
        else:
            assert_error(response, 400, "validation_failed")
        LoginLink.objects.all().delete()


def test_redirect_query_parameter_and_fallback_setting(post, settings):
    confirmed()
    query = "?redirect_to=https%3A%2F%2Fevil.example.net%2F"
    assert_error(
        post({"type": "recovery", "email": "known@example.com"}, query), 400, "validation_failed"
    )
    settings.REDIRECT_FALLBACK_TO_SITE_URL = True
    body = post({"type": "recovery", "email": "known@example.com"}, query).json()
    assert body["redirect_to"] == "https://app.example.com"


def test_expires_in_bounds(post):
    confirmed()
    for bad in (59, 7 * 24 * 3600 + 1, "600", True, 1.5):
        response = post({"type": "recovery", "email": "known@example.com", "expires_in": bad})
        assert_error(response, 400, "validation_failed")
    response = post({"type": "recovery", "email": "known@example.com", "expires_in": 600})
    link = LoginLink.objects.get()
    assert response.status_code == 200
    assert link.expires_at - link.created_at == timedelta(seconds=600)


def test_new_link_supersedes_the_previous_of_its_group(post):
    confirmed()
    post({"type": "magiclink", "email": "known@example.com"})
    post({"type": "recovery", "email": "known@example.com"})
    old, new = LoginLink.objects.order_by("created_at")
    assert old.invalidation_reason == "superseded" and new.is_active
