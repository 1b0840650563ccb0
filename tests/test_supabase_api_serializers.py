"""supabase_api.serializers: request validation at the Admin API's edge, in GoTrue's order and
words, stopping at the first error, and returning the flows' typed values."""

from datetime import timedelta

import pytest
from rest_framework.exceptions import ValidationError

from magiclinks.models import LinkKind
from supabase_api import serializers as s
from supabase_api.errors import first_message
from supabase_api.flows.admin_links import LinkRequest
from supabase_api.flows.admin_users import UserChanges


def check(serializer_class, data, **context):
    return serializer_class(data=data, context=context).run_validation(data)


def refusal(serializer_class, data, **context) -> str:
    with pytest.raises(ValidationError) as exc:
        check(serializer_class, data, **context)
    return first_message(exc.value.detail)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://app.example.com"
    settings.REDIRECT_ALLOW_LIST = []


def test_link_request_is_typed_and_normalised():
    req = check(s.LinkSerializer, {"email": " Kim@Example.COM ", "type": "magiclink"})
    assert req == LinkRequest(
        type="magiclink", email="kim@example.com", redirect_to="https://app.example.com"
    )
    req = check(s.LinkSerializer, {"email": "a@b.co", "type": "recovery", "expires_in": 120})
    assert req.lifetime == timedelta(seconds=120)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # The email is checked before the type, whatever else is wrong.
        ({"type": "bogus"}, "An email address is required"),
        ({"email": "nope", "type": "bogus"}, "Unable to validate email address: invalid format"),
        ({"email": 5}, "email must be a string"),
        ({"email": "x" * 251 + "@b.co"}, "email is too long (at most 255 characters)"),
        (
            {"email": "a@b.co", "type": "bogus", "data": 5},
            "Invalid email action link type requested: bogus (one of signup, invite, magiclink, "
            "recovery, email_change_current, email_change_new)",
        ),
        ({"email": "a@b.co", "type": "email_change"}, s.EMAIL_CHANGE_AMBIGUOUS),
        ({"email": "a@b.co", "type": "signup", "password": 5}, "password must be a string"),
        # new_email only for the email-change types, and checked before data.
        ({"email": "a@b.co", "type": "email_change_new", "data": 5}, "new_email is required"),
        (
            {"email": "a@b.co", "type": "email_change_new", "new_email": "A@b.co"},
            "new_email is the user's current address",
        ),
        ({"email": "a@b.co", "type": "magiclink", "data": []}, "data must be a JSON object"),
        (
            {"email": "a@b.co", "type": "magiclink", "redirect_to": "https://evil.example/"},
            "redirect_to is not allowed: it must be on SITE_URL (same scheme, host and port) or "
            "match a pattern in REDIRECT_ALLOW_LIST",
        ),
        (
            {"email": "a@b.co", "type": "magiclink", "expires_in": True},
            "expires_in must be an integer number of seconds",
        ),
        (
            {"email": "a@b.co", "type": "magiclink", "expires_in": 5},
            "expires_in must be between 60 and 604800 seconds",
        ),
    ],
)
def test_link_refusals_in_order(body, message):
    assert refusal(s.LinkSerializer, body) == message


def test_lenient_where_gotrue_is():
    # Unknown keys are ignored; new_email of another type is not looked at; null is "not given".
    req = check(
        s.LinkSerializer,
        {"email": "a@b.co", "type": "magiclink", "new_email": 5, "extra": [1], "data": None},
    )
    assert req.new_email == "" and req.data is None
    assert check(s.OtpSerializer, {"email": "a@b.co", "create_user": None})[1] is True
    assert check(s.OtpSerializer, {"email": "a@b.co", "create_user": False})[1] is False
    assert refusal(s.OtpSerializer, {"email": "a@b.co", "create_user": "yes"}) == (
        "create_user must be true or false"
    )


def test_invite_otp_recover_are_their_own_kinds():
    body = {"email": "a@b.co", "type": "signup", "password": 5}
    assert check(s.InviteSerializer, body).type == LinkKind.INVITE
    assert check(s.OtpSerializer, body)[0].type == LinkKind.MAGICLINK
    assert check(s.RecoverSerializer, {**body, "data": 5}).type == LinkKind.RECOVERY


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"token": "x"}, "Verify requires a verification type"),
        ({"type": "bogus"}, "Verify requires either a token and email, or a token_hash"),
        ({"type": "bogus", "token_hash": "x"}, "Unsupported verification type"),
        # A code: the address is checked before the type (GoTrue's order).
        ({"type": "bogus", "token": "1", "email": "no"}, "Unable to validate email address"),
        ({"type": "bogus", "token": "1", "email": "a@b.co"}, "Unsupported verification type"),
    ],
)
def test_verify_refusals_in_order(body, message):
    assert refusal(s.VerifySerializer, body).startswith(message)


def test_verify_picks_the_form_the_body_uses():
    assert check(s.VerifySerializer, {"type": "email", "token": "1", "email": "A@b.co"}) == (
        s.VerifyRequest(type="email", email="a@b.co", token="1")
    )
    assert check(s.VerifySerializer, {"type": "signup", "token_hash": "h", "token": "1"}) == (
        s.VerifyRequest(type="signup", token_hash="h")
    )


def test_admin_user_changes():
    changes = check(
        s.UserAttributesSerializer,
        {"data": {"a": 1}, "ban_duration": "1h30m", "email_confirm": True, "x": None},
    )
    assert changes == UserChanges(
        user_metadata={"a": 1},
        ban=timedelta(minutes=90),
        email_confirm=True,
        named=("ban_duration", "data", "email_confirm"),
    )
    # user_metadata, when present (even null), wins over data, which is then not looked at.
    assert (
        check(s.UserAttributesSerializer, {"user_metadata": None, "data": 5}).user_metadata is None
    )
    assert check(s.UserAttributesSerializer, {"ban_duration": "none"}).unban is True
    assert refusal(s.UserAttributesSerializer, {"email": ""}) == "An email address is required"
    assert refusal(s.UserAttributesSerializer, {"ban_duration": "1y"}) == (
        'ban_duration must be "none" or a duration such as "24h" or "1h30m"'
    )
    # The id is checked first on creation, then the (required) email.
    assert refusal(s.CreateUserSerializer, {"id": "x", "email": "no"}) == "id must be an UUID"
    assert refusal(s.CreateUserSerializer, {}) == "An email address is required"


def test_query_serializers():
    assert refusal(s.LogoutSerializer, {"scope": "all"}) == (
        "Unsupported logout scope: use global, local or others"
    )
    assert check(s.LogoutSerializer, {}) == "global"
    assert refusal(s.ListUsersSerializer, {"filter": "a\x00"}).startswith("filter contains NUL")
    assert refusal(s.UserIdSerializer, {"user_id": "5"}) == "user_id must be an UUID"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("editor", "editor"), ("  team_lead  ", "team_lead"), ("", None), ("   ", None), (None, None)],
)
def test_admin_role_is_trimmed_and_empty_or_null_leaves_it(role, expected):
    assert check(s.UserAttributesSerializer, {"role": role}).role == expected


@pytest.mark.parametrize("role", ["service_role", "supabase_admin"])
def test_admin_roles_are_refused_for_users(role):
    assert refusal(s.UserAttributesSerializer, {"role": role}) == (
        f"role {role} is an admin role; not for users"
    )


@pytest.mark.parametrize("role", ["1abc", "a b", "x" * 64, "drop;table", 5])
def test_role_must_be_a_postgres_role_name(role):
    message = refusal(s.CreateUserSerializer, {"email": "a@b.co", "role": role})
    assert message.startswith("role must be")
