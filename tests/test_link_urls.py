"""magiclinks.link_urls: the exact public URL of each kind of link, built with reverse()."""

from datetime import timedelta

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from magiclinks import link_urls
from magiclinks.link_urls import is_browser_reset, link_url, verify_type
from magiclinks.models import LinkKind, LinkPurpose, LoginLink

SECRET = "3q2-7wEjvZ0c8yQ5lE7pq2bX0m3a1Yt9uKkWfT4oR8s"


def _link(kind: str, purpose: str = "", redirect_url: str = "") -> LoginLink:
    # Unsaved: the URL depends only on these fields.
    return LoginLink(
        kind=kind,
        purpose=purpose,
        redirect_url=redirect_url,
        expires_at=timezone.now() + timedelta(hours=1),
    )


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = "https://login.example.com"


def test_partner_links_open_the_confirmation_page():
    assert link_url(_link(LinkKind.PARTNER_LOGIN), SECRET) == (
        f"https://login.example.com/auth/partner-login/{SECRET}"
    )


def test_browser_reset_links_open_the_reset_page():
    link = _link(LinkKind.RECOVERY, LinkPurpose.LOST_CREDENTIALS)
    assert is_browser_reset(link)
    assert link_url(link, SECRET) == f"https://login.example.com/auth/password/reset/{SECRET}"


@pytest.mark.parametrize(
    ("kind", "type_"),
    [
        (LinkKind.MAGICLINK, "magiclink"),
        (LinkKind.RECOVERY, "recovery"),
        (LinkKind.SIGNUP, "signup"),
        (LinkKind.INVITE, "invite"),
        (LinkKind.EMAIL_CHANGE_CURRENT, "email_change"),
        (LinkKind.EMAIL_CHANGE_NEW, "email_change"),
    ],
)
def test_admin_api_links_go_through_verify(kind, type_):
    assert verify_type(kind) == type_
    assert link_url(_link(kind), SECRET) == (
        f"https://login.example.com/auth/v1/verify?token={SECRET}&type={type_}"
    )


def test_redirect_to_is_query_encoded():
    link = _link(LinkKind.MAGICLINK, redirect_url="https://app.example.com/in?next=/a b")
    assert link_url(link, SECRET) == (
        f"https://login.example.com/auth/v1/verify?token={SECRET}&type=magiclink"
        "&redirect_to=https%3A%2F%2Fapp.example.com%2Fin%3Fnext%3D%2Fa+b"
    )


def test_a_request_script_prefix_is_not_added_to_the_public_base_url():
    # A link built while serving a request under SCRIPT_NAME equals the one the worker builds,
    # also when that request is the first to reverse the route (the paths are cached).
    link_urls._path.cache_clear()
    set_script_prefix("/mounted/")
    try:
        assert link_url(_link(LinkKind.PARTNER_LOGIN), SECRET) == (
            f"https://login.example.com/auth/partner-login/{SECRET}"
        )
    finally:
        set_script_prefix("/")


def test_a_changed_urlconf_is_reversed_again(settings):
    link_url(_link(LinkKind.PARTNER_LOGIN), SECRET)
    assert link_urls._path.cache_info().currsize > 0
    settings.ROOT_URLCONF = settings.ROOT_URLCONF  # what override_settings sends
    assert link_urls._path.cache_info().currsize == 0


def test_the_token_is_quoted_as_reverse_quotes_it():
    token = "a b+c%"
    expected = reverse("browser:partner_login", kwargs={"token": token})
    assert link_url(_link(LinkKind.PARTNER_LOGIN), token) == f"https://login.example.com{expected}"
