"""Security headers of the end-user pages: CSP (no inline script or style), frame denial,
no-referrer and no-store on pages whose URL holds a secret, and no inline styles in the markup."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LinkPurpose

HOUR = timedelta(hours=1)


@pytest.fixture
def token_urls(make):
    account = make.account(partner=make.partner(brand_color="#ffcc00"))
    user = account.users.get()
    partner = issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.system(),
        lifetime=HOUR,
    )
    reset = issue_link(
        user=user,
        kind=LinkKind.RECOVERY,
        actor=Actor.system(),
        lifetime=HOUR,
        purpose=LinkPurpose.LOST_CREDENTIALS,
    )
    return [
        f"/auth/partner-login/{partner.secret}",
        "/auth/partner-login/" + "Z" * 43,  # unknown
        f"/auth/password/reset/{reset.secret}",
        "/auth/password/reset/" + "Z" * 43,
    ]


# What a GET of each token URL answers: the page for a live link, 404 for an unknown one.
TOKEN_URL_STATUS = [200, 404, 200, 404]


def assert_common_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    page = response.content.decode()
    # No inline script, no inline style element or attribute (the CSP would block them anyway).
    assert "<script" not in page
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page)


@pytest.mark.django_db
def test_token_pages_hide_referrer_and_are_not_stored(token_urls):
    client = Client()
    for url, status in zip(token_urls, TOKEN_URL_STATUS, strict=True):
        response = client.get(url)
        assert response.status_code == status, url
        assert response["Referrer-Policy"] == "no-referrer", url
        assert "no-store" in response["Cache-Control"], url
        assert_common_headers(response)


@pytest.mark.django_db
def test_token_post_and_fresh_link_pages_hide_referrer(token_urls):
    client = Client()
    response = client.post(token_urls[1] + "/new-link", {"email": "x@example.com"})
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    failed = client.post(token_urls[1])
    assert failed["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/auth/login/", "/auth/password/forgot/", "/auth/brand/999999.css"]
)
def test_other_pages_keep_site_policy(path):
    response = Client().get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_signed_in_pages_are_not_stored(make):
    client = Client()
    client.force_login(make.user())
    for path in ["/auth/account/", "/auth/password/set/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert_common_headers(response)


@pytest.mark.django_db
def test_brand_stylesheet_only_carries_validated_hex(make):
    good = make.partner(brand_color="#ffcc00")
    bad = make.partner(brand_color="red;}/*")
    css = Client().get(f"/auth/brand/{good.pk}.css")
    assert css["Content-Type"].startswith("text/css")
    assert css.content.decode() == ":root { --brand: #ffcc00; --on-brand: #111111; }\n"
    fallback = Client().get(f"/auth/brand/{bad.pk}.css").content.decode()
    assert "red" not in fallback and "--brand: #1f4fd1" in fallback
    assert Client().get("/auth/brand/999999.css").status_code == 404
