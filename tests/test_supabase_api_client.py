"""The Admin API driven by the unmodified official Python client (`supabase-auth`) against a
live server: generate_link of every type verified three ways, reuse and expiry, refresh
rotation, the signed-in user's endpoints, user administration and invites; and the end-user
journey (sign up → confirm → password → refresh → PKCE magic link → reauthenticate → change
password → sign out)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from django.utils import timezone
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import (
    AuthApiError,
    AuthImplicitGrantRedirectError,
    AuthWeakPasswordError,
)

from accounts.models import User
from magiclinks import tokens
from magiclinks.models import InvalidationReason, LoginLink, Notification
from supabase_api.models import AuthSession, RefreshToken

from .supabase_api_support import client_for, code_of, mailed, new_service_key, open_action_link

pytestmark = pytest.mark.django_db(transaction=True)
APP = "http://app.example.test"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SITE_URL = APP
    settings.REDIRECT_ALLOW_LIST = ["https://*.example.org/**"]
    return live_server.url


@pytest.fixture
def gotrue(server):
    client = client_for(server, new_service_key())
    yield client
    # Closing the keep-alive sockets lets the live server's threads close their DB connections.
    client.close()


def confirmed_user(email: str) -> User:
    return User.objects.create_user(email, email_confirmed_at=timezone.now())


# type → (params for generate_link, verify type, the address the code is entered with)
CASES = {
    "signup": ({"type": "signup", "email": "new@example.com", "password": PASSWORD}, "signup"),
    "invite": ({"type": "invite", "email": "invitee@example.com"}, "invite"),
    "magiclink": ({"type": "magiclink", "email": "known@example.com"}, "magiclink"),
    "recovery": ({"type": "recovery", "email": "known@example.com"}, "recovery"),
    "email_change_current": (
        {"type": "email_change_current", "email": "known@example.com", "new_email": "n@x.com"},
        "email_change",
    ),
    "email_change_new": (
        {"type": "email_change_new", "email": "known@example.com", "new_email": "n@x.com"},
        "email_change",
    ),
}


def generate(gotrue, link_type: str, redirect_to: str | None = None):
    if link_type not in ("signup", "invite"):
        confirmed_user("known@example.com")
    params = dict(CASES[link_type][0])
    if redirect_to:
        params["options"] = {"redirect_to": redirect_to}
    return gotrue.admin.generate_link(params)


def verify_with(gotrue, method: str, link_type: str, response):
    verify_type = CASES[link_type][1]
    props = response.properties
    if method == "otp":
        email = "n@x.com" if link_type == "email_change_new" else response.user.email
        return gotrue.verify_otp({"email": email, "token": props.email_otp, "type": verify_type})
    if method == "token_hash":
        return gotrue.verify_otp({"token_hash": props.hashed_token, "type": verify_type})
    _, confirm = open_action_link(props.action_link)
    assert confirm.status_code == 303
    location = confirm.headers["location"]
    assert location.startswith(props.redirect_to + "#access_token=")
    fragment = parse_qs(urlsplit(location).fragment)
    assert fragment["token_type"] == ["bearer"] and fragment["type"] == [verify_type]
    assert int(fragment["expires_at"][0]) > int(timezone.now().timestamp())
    gotrue.initialize_from_url(location)  # the client's own fragment parser
    return gotrue.get_session()


def check_side_effects(link_type: str, user_id: str) -> None:
    user = User.objects.get(pk=user_id)
    assert user.email_confirmed_at is not None
    if link_type.startswith("email_change"):
        assert user.email == "n@x.com" and user.new_email == ""


@pytest.mark.parametrize("method", ["otp", "token_hash", "action_link"])
@pytest.mark.parametrize("link_type", list(CASES))
def test_every_link_type_verifies_once_each_way(gotrue, link_type, method):
    response = generate(gotrue, link_type, redirect_to="https://app.example.org/welcome")
    props = response.properties
    assert props.verification_type == link_type
    assert props.redirect_to == "https://app.example.org/welcome"
    # The client gets a hash of the secret; the database holds a hash of that.
    assert tokens.stored_digest(props.hashed_token) == LoginLink.objects.get().token_digest
    assert "/auth/v1/verify?token=" in props.action_link

    result = verify_with(gotrue, method, link_type, response)
    session = result.session if hasattr(result, "session") else result
    assert session.user.id == response.user.id
    assert gotrue.get_user(session.access_token).user.id == response.user.id
    check_side_effects(link_type, response.user.id)

    # The same link a second time, any way: otp_expired.
    with pytest.raises(AuthApiError) as reused:
        gotrue.verify_otp({"token_hash": props.hashed_token, "type": CASES[link_type][1]})
    assert reused.value.code == "otp_expired" and reused.value.status == 403


def test_reused_action_link_redirects_with_the_error_fragment(gotrue):
    response = generate(gotrue, "magiclink")
    open_action_link(response.properties.action_link)
    _, again = open_action_link(response.properties.action_link)
    assert again.status_code == 303
    location = again.headers["location"]
    assert location == (
        f"{APP}#error=access_denied&error_code=otp_expired"
        "&error_description=Email+link+is+invalid+or+has+expired"
    )
    with pytest.raises(AuthImplicitGrantRedirectError) as error:
        gotrue.initialize_from_url(location)
    assert error.value.details == {"code": "otp_expired", "error": "access_denied"}


@pytest.mark.parametrize("method", ["otp", "token_hash"])
def test_expired_link_is_otp_expired(gotrue, method):
    response = generate(gotrue, "recovery")
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(AuthApiError) as expired:
        verify_with(gotrue, method, "recovery", response)
    assert expired.value.code == "otp_expired"
    assert User.objects.get(pk=response.user.id).last_login is None


def test_magiclink_for_unknown_address_is_a_signup(gotrue):
    response = gotrue.admin.generate_link({"type": "magiclink", "email": "Nobody@Example.com"})
    assert response.properties.verification_type == "signup"
    assert "type=signup" in response.properties.action_link
    assert response.user.email == "nobody@example.com"
    session = gotrue.verify_otp(
        {"email": "nobody@example.com", "token": response.properties.email_otp, "type": "email"}
    )
    assert session.user.email_confirmed_at is not None


def test_redeeming_one_link_clears_the_users_other_admin_links(gotrue):
    first = generate(gotrue, "recovery")
    other = gotrue.admin.generate_link(
        {"type": "email_change_new", "email": "known@example.com", "new_email": "n@x.com"}
    )
    gotrue.verify_otp({"token_hash": first.properties.hashed_token, "type": "recovery"})
    sibling = LoginLink.objects.get(
        token_digest=tokens.stored_digest(other.properties.hashed_token)
    )
    assert sibling.invalidation_reason == InvalidationReason.SIBLING_REDEEMED
    with pytest.raises(AuthApiError) as error:
        gotrue.verify_otp({"token_hash": other.properties.hashed_token, "type": "email_change"})
    assert error.value.code == "otp_expired"


def signed_in(gotrue, email: str = "known@example.com"):
    User.objects.filter(email=email).exists() or confirmed_user(email)
    link = gotrue.admin.generate_link({"type": "magiclink", "email": email})
    return gotrue.verify_otp({"token_hash": link.properties.hashed_token, "type": "magiclink"})


def test_refresh_rotates_and_reuse_revokes_the_session(gotrue):
    first = signed_in(gotrue).session
    second = gotrue.refresh_session(first.refresh_token).session
    assert second.refresh_token != first.refresh_token
    assert second.user.id == first.user.id
    third = gotrue.refresh_session(second.refresh_token).session
    # Within REFRESH_TOKEN_REUSE_INTERVAL a reused token gets the current one (two tabs).
    assert gotrue.refresh_session(first.refresh_token).session.refresh_token == (
        third.refresh_token
    )
    assert AuthSession.objects.get().revoked_at is None

    # After it, the reuse is theft.
    RefreshToken.objects.exclude(used_at=None).update(
        used_at=timezone.now() - timedelta(seconds=11)
    )
    with pytest.raises(AuthApiError) as reuse:
        gotrue.refresh_session(first.refresh_token)
    assert reuse.value.code == "refresh_token_already_used"
    assert AuthSession.objects.get().revoked_at is not None
    # The thief's reuse also locks out the newest token and the access token's session.
    with pytest.raises(AuthApiError) as revoked:
        gotrue.refresh_session(third.refresh_token)
    assert revoked.value.code == "refresh_token_not_found"
    with pytest.raises(AuthApiError) as gone:
        gotrue.get_user(third.access_token)
    assert gone.value.code == "session_not_found"


def test_update_own_user_and_sign_out(gotrue):
    session = signed_in(gotrue).session
    updated = gotrue.update_user({"password": "an even better passphrase", "data": {"n": 1}})
    assert updated.user.user_metadata == {"n": 1}
    assert User.objects.get(pk=session.user.id).check_password("an even better passphrase")
    with pytest.raises(AuthWeakPasswordError) as weak:
        gotrue.update_user({"password": "12345"})
    assert weak.value.code == "weak_password" and weak.value.status == 422
    assert "length" in weak.value.reasons
    with pytest.raises(AuthApiError) as same:
        gotrue.update_user({"password": "an even better passphrase"})
    assert same.value.code == "same_password" and same.value.status == 422

    gotrue.sign_out()
    assert gotrue.get_session() is None
    with pytest.raises(AuthApiError) as after:
        gotrue.get_user(session.access_token)
    assert after.value.code == "session_not_found"


def test_admin_user_crud(gotrue, server):
    created = gotrue.admin.create_user(
        {
            "email": "Crud@Example.com",
            "password": PASSWORD,
            "email_confirm": True,
            "user_metadata": {"plan": "pro"},
        }
    ).user
    assert created.email == "crud@example.com" and created.email_confirmed_at is not None
    assert created.user_metadata == {"plan": "pro"}
    for n in range(3):
        gotrue.admin.create_user({"email": f"u{n}@example.com"})

    page = gotrue.admin.list_users(page=2, per_page=3)
    assert len(page) == 1
    headers = httpx.get(
        f"{server}/auth/v1/admin/users?page=1&per_page=3",
        headers=gotrue._headers,
    ).headers
    assert headers["x-total-count"] == "4"
    assert headers["link"] == (
        '</auth/v1/admin/users?page=2&per_page=3>; rel="next", '
        '</auth/v1/admin/users?page=2&per_page=3>; rel="last"'
    )

    fetched = gotrue.admin.get_user_by_id(created.id).user
    assert fetched.email == "crud@example.com"
    updated = gotrue.admin.update_user_by_id(
        created.id,
        {
            "email": "renamed@example.com",
            "user_metadata": {"plan": None, "seats": 3},
            "app_metadata": {"tier": "gold"},
            "ban_duration": "24h",
        },
    ).user
    assert updated.email == "renamed@example.com"
    assert updated.user_metadata == {"seats": 3}
    assert updated.app_metadata["tier"] == "gold" and updated.app_metadata["provider"] == "email"
    assert updated.banned_until is not None
    unbanned = gotrue.admin.update_user_by_id(created.id, {"ban_duration": "none"}).user
    assert unbanned.banned_until is None

    gotrue.admin.delete_user(created.id)
    assert not User.objects.filter(pk=created.id).exists()
    with pytest.raises(AuthApiError) as missing:
        gotrue.admin.get_user_by_id(created.id)
    assert missing.value.code == "user_not_found" and missing.value.status == 404


def test_soft_delete_as_upstream_and_the_address_signs_up_again(gotrue):
    session = signed_in(gotrue).session
    gotrue.admin.delete_user(session.user.id, should_soft_delete=True)
    user = User.objects.get(pk=session.user.id)
    assert not user.is_active
    assert AuthSession.objects.get().revoked_at is not None
    shown = gotrue.admin.get_user_by_id(session.user.id).user
    assert shown.deleted_at is not None and shown.email != "known@example.com"
    assert shown.identities[0].identity_data == {}
    with pytest.raises(AuthApiError) as signed_out:
        gotrue.refresh_session(session.refresh_token)
    assert signed_out.value.code in ("refresh_token_not_found", "user_banned")
    # The address is free: a magic link for it signs a new user up.
    again = gotrue.admin.generate_link({"type": "magiclink", "email": "known@example.com"})
    assert again.user.id != session.user.id and again.properties.verification_type == "signup"


def test_admin_role_is_honoured_in_the_user_and_the_access_token(gotrue, settings):
    created = gotrue.admin.create_user({"email": "role@example.com", "role": "editor"}).user
    assert created.role == "editor"
    updated = gotrue.admin.update_user_by_id(created.id, {"role": "reviewer"}).user
    assert updated.role == "reviewer"
    session = signed_in(gotrue, "role@example.com").session
    claims = jwt.decode(
        session.access_token, settings.JWT_SECRET, algorithms=["HS256"], audience="authenticated"
    )
    assert claims["role"] == "reviewer"
    # A user's token must never be an Admin API credential.
    with pytest.raises(AuthApiError) as refused:
        gotrue.admin.update_user_by_id(created.id, {"role": "service_role"})
    assert refused.value.code == "validation_failed"
    assert User.objects.get(pk=created.id).role == "reviewer"


def test_two_tabs_refreshing_at_once_keep_the_session(gotrue, server):
    first = signed_in(gotrue).session
    tabs = [client_for(server, new_service_key(f"tab{n}")) for n in range(2)]
    try:
        refreshed = [tab.refresh_session(first.refresh_token).session for tab in tabs]
    finally:
        for tab in tabs:
            tab.close()
    assert refreshed[0].refresh_token == refreshed[1].refresh_token
    assert gotrue.get_user(refreshed[1].access_token).user.id == first.user.id
    assert AuthSession.objects.get().revoked_at is None


def test_invite_creates_the_user_and_queues_the_email(gotrue):
    invited = gotrue.admin.invite_user_by_email(
        "Guest@Example.com", {"data": {"team": "a"}, "redirect_to": f"{APP}/join"}
    ).user
    assert invited.email == "guest@example.com" and invited.invited_at is not None
    assert invited.user_metadata == {"team": "a"}
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("invite", "guest@example.com")
    link = LoginLink.objects.get()
    assert (link.kind, link.redirect_url) == ("invite", f"{APP}/join")
    # Inviting a confirmed user again is refused.
    User.objects.filter(pk=invited.id).update(email_confirmed_at=timezone.now())
    with pytest.raises(AuthApiError) as exists:
        gotrue.admin.invite_user_by_email("guest@example.com")
    assert exists.value.code == "email_exists"


def test_public_otp_and_recover_never_reveal_existence(gotrue):
    confirmed_user("known@example.com")
    assert gotrue.sign_in_with_otp({"email": "known@example.com"}).user is None
    gotrue.reset_password_for_email("Known@Example.com")
    gotrue.sign_in_with_otp(
        {"email": "stranger@example.com", "options": {"should_create_user": False}}
    )
    gotrue.reset_password_for_email("stranger@example.com")
    kinds = sorted(Notification.objects.values_list("kind", "recipient"))
    assert kinds == [("magiclink", "known@example.com"), ("recovery", "known@example.com")]
    assert not User.objects.filter(email="stranger@example.com").exists()
    # create_user (the client's default) signs a new address up with a signup link.
    gotrue.sign_in_with_otp({"email": "fresh@example.com", "options": {"data": {"a": 1}}})
    assert Notification.objects.filter(kind="signup", recipient="fresh@example.com").exists()
    assert User.objects.get(email="fresh@example.com").user_metadata == {"a": 1}


def test_type_email_verifies_a_recovery_code_with_amr_otp(gotrue, settings):
    confirmed_user("known@example.com")
    link = gotrue.admin.generate_link({"type": "recovery", "email": "known@example.com"})
    session = gotrue.verify_otp(
        {"email": "known@example.com", "token": link.properties.email_otp, "type": "email"}
    ).session
    claims = jwt.decode(
        session.access_token, settings.JWT_SECRET, algorithms=["HS256"], audience="authenticated"
    )
    assert claims["amr"][0]["method"] == "otp" and claims["role"] == "authenticated"


NEW_PASSWORD = "an entirely different passphrase 8"


def test_journey_sign_up_to_sign_out_with_the_python_client(server, settings):
    """Sign up → confirm → sign in with password → refresh → PKCE magic link → exchange →
    reauthenticate → change password → sign out, all with the unmodified client."""
    settings.SECURE_PASSWORD_CHANGE = True
    settings.SECURE_PASSWORD_CHANGE_RECENT_SECONDS = 0  # every session must show the nonce
    email = "journey@example.com"
    app = SyncGoTrueClient(url=f"{server}/auth/v1", auto_refresh_token=False)
    pkce_app = SyncGoTrueClient(url=f"{server}/auth/v1", auto_refresh_token=False, flow_type="pkce")
    try:
        signed_up = app.sign_up(
            {
                "email": email,
                "password": PASSWORD,
                "options": {"email_redirect_to": f"{APP}/welcome", "data": {"plan": "free"}},
            }
        )
        assert signed_up.session is None and signed_up.user.email == email
        assert signed_up.user.user_metadata == {"plan": "free"}

        link, _ = mailed("signup", email)
        _, confirmed = open_action_link(link)
        fragment = parse_qs(urlsplit(confirmed.headers["location"]).fragment)
        assert confirmed.headers["location"].startswith(f"{APP}/welcome#")
        assert fragment["type"] == ["signup"] and fragment["access_token"]

        signed_in = app.sign_in_with_password({"email": email, "password": PASSWORD})
        assert signed_in.user.email_confirmed_at is not None
        refreshed = app.refresh_session(signed_in.session.refresh_token)
        assert refreshed.session.refresh_token != signed_in.session.refresh_token

        pkce_app.sign_in_with_otp({"email": email, "options": {"email_redirect_to": f"{APP}/cb"}})
        link, _ = mailed("magiclink", email)
        _, redirected = open_action_link(link)
        assert redirected.headers["location"].startswith(f"{APP}/cb?code=")
        exchanged = pkce_app.exchange_code_for_session(
            {"auth_code": code_of(redirected.headers["location"])}
        )
        assert exchanged.session.user.email == email

        with pytest.raises(AuthApiError) as needed:
            pkce_app.update_user({"password": NEW_PASSWORD})
        assert needed.value.code == "reauthentication_needed"
        pkce_app.reauthenticate()
        _, nonce = mailed("reauthentication", email)
        pkce_app.update_user({"password": NEW_PASSWORD, "nonce": nonce})

        with pytest.raises(AuthApiError) as old:
            app.sign_in_with_password({"email": email, "password": PASSWORD})
        assert old.value.code == "invalid_credentials" and old.value.status == 400
        again = app.sign_in_with_password({"email": email, "password": NEW_PASSWORD})
        app.sign_out({"scope": "local"})
        with pytest.raises(AuthApiError) as gone:
            app.refresh_session(again.session.refresh_token)
        assert gone.value.code == "refresh_token_not_found"
    finally:
        app.close()
        pkce_app.close()


def test_pkce_errors_with_the_python_client(server):
    confirmed_user("kim@example.com")
    pkce_app = SyncGoTrueClient(url=f"{server}/auth/v1", auto_refresh_token=False, flow_type="pkce")
    other = SyncGoTrueClient(url=f"{server}/auth/v1", auto_refresh_token=False, flow_type="pkce")
    try:
        pkce_app.reset_password_for_email("kim@example.com", {"redirect_to": f"{APP}/reset"})
        link, _ = mailed("recovery", "kim@example.com")
        code = code_of(open_action_link(link)[1].headers["location"])
        other.sign_in_with_otp({"email": "kim@example.com"})  # a verifier of another flow
        with pytest.raises(AuthApiError) as wrong:
            other.exchange_code_for_session({"auth_code": code})
        assert wrong.value.code == "bad_code_verifier"
        session = pkce_app.exchange_code_for_session({"auth_code": code}).session
        assert session.user.email == "kim@example.com"
        with pytest.raises(AuthApiError) as reused:
            pkce_app.exchange_code_for_session({"auth_code": code, "code_verifier": "v" * 43})
        assert reused.value.code == "flow_state_not_found" and reused.value.status == 404
    finally:
        pkce_app.close()
        other.close()


def test_resend_and_obfuscated_signup_with_the_python_client(gotrue):
    confirmed_user("known@example.com")
    again = gotrue.sign_up({"email": "known@example.com", "password": PASSWORD})
    assert again.session is None and again.user.identities == []
    gotrue.sign_up({"email": "later@example.com", "password": PASSWORD})
    gotrue.resend({"type": "signup", "email": "nobody@example.com"})
    assert Notification.objects.filter(kind="signup").count() == 1
    with pytest.raises(AuthApiError) as phone:
        gotrue.resend({"type": "sms", "phone": "+15555550100"})
    assert phone.value.code == "phone_provider_disabled"
