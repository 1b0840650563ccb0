"""Issue 11, item 6: read access to the database was enough to take over any open link.

`POST /auth/v1/verify {"type": "recovery", "token_hash": <token_digest column>}` redeemed the
link, because the column held exactly the `hashed_token` the client presents. Now the column
holds a hash of `hashed_token`: what is stored cannot be presented. And the browser's "Forgot
your password?" links, which are `recovery` links too, are refused by /auth/v1/verify in every
form (secret, hashed_token, confirmation page), so they open only the browser's reset page.
"""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.link_urls import verify_type
from magiclinks.models import LinkKind, LinkStatus, LoginLink, Notification
from magiclinks.notifications.delivery import deliver
from supabase_api.flows.admin_links import LinkRequest, create_link
from tests.supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db
KNOWN = "known@example.com"
APP = "https://app.example.com"
ADMIN_KINDS = [
    LinkKind.SIGNUP,
    LinkKind.INVITE,
    LinkKind.MAGICLINK,
    LinkKind.RECOVERY,
    LinkKind.EMAIL_CHANGE_CURRENT,
    LinkKind.EMAIL_CHANGE_NEW,
]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = APP


def _verify(body: dict):
    return Client().post("/auth/v1/verify", body, content_type="application/json", headers=V2024)


def _issue(kind: str):
    if kind in (LinkKind.SIGNUP, LinkKind.INVITE):
        User.objects.create_user(KNOWN)  # unconfirmed: signup and invite links are allowed
    else:
        User.objects.create_user(KNOWN, email_confirmed_at=timezone.now())
    return create_link(
        LinkRequest(
            type=kind,
            email=KNOWN,
            new_email="moved@example.com" if kind.startswith("email_change") else "",
            lifetime=timedelta(hours=1),
        ),
        actor=Actor.system("tests"),
    ).issued


def _assert_refused(response) -> None:
    assert response.status_code == 403, response.content
    assert response.json() == {"code": "otp_expired", "message": "Token has expired or is invalid"}


@pytest.mark.parametrize("kind", ADMIN_KINDS)
def test_the_stored_digest_does_not_redeem(kind):
    issued = _issue(kind)
    stolen = LoginLink.objects.values_list("token_digest", flat=True).get()  # a DB read
    _assert_refused(_verify({"type": verify_type(kind), "token_hash": stolen}))
    _assert_refused(_verify({"type": verify_type(kind), "token_hash": stolen.upper()}))
    _assert_refused(_verify({"type": verify_type(kind), "token": stolen}))
    assert LoginLink.objects.get(pk=issued.link.pk).status == LinkStatus.ACTIVE
    # The secret's own hash (what the client is handed) is not what the column holds.
    assert stolen != hashlib.sha256(issued.secret.encode()).hexdigest()


@pytest.mark.parametrize("kind", ADMIN_KINDS)
def test_generate_links_hashed_token_still_verifies(client, kind):
    email_confirmed = None if kind in (LinkKind.SIGNUP, LinkKind.INVITE) else timezone.now()
    User.objects.create_user(KNOWN, email_confirmed_at=email_confirmed)
    key = new_service_key()
    body = {"type": kind, "email": KNOWN}
    if kind.startswith("email_change"):
        body["new_email"] = "moved@example.com"
    generated = client.post(
        "/auth/v1/admin/generate_link",
        body,
        content_type="application/json",
        headers={**V2024, "Authorization": f"Bearer {key}"},
    )
    assert generated.status_code == 200, generated.content
    hashed_token = generated.json()["hashed_token"]
    assert hashed_token != LoginLink.objects.get().token_digest
    verified = _verify({"type": verify_type(kind), "token_hash": hashed_token})
    assert verified.status_code == 200, verified.content
    assert LoginLink.objects.get().status == LinkStatus.USED


def _browser_reset_secret() -> str:
    User.objects.create_user(KNOWN, password="old-Password-123456")
    assert Client().post("/auth/password/forgot/", {"email": KNOWN}).status_code == 200
    deliver(Notification.objects.get(kind="recovery").pk)
    body = mail.outbox[-1].body
    start = body.index("/auth/password/reset/") + len("/auth/password/reset/")
    return body[start : start + 43]


def test_browser_password_reset_links_are_refused_by_the_admin_api_verify(settings):
    secret = _browser_reset_secret()
    hashed_token = hashlib.sha256(secret.encode()).hexdigest()
    stored = LoginLink.objects.values_list("token_digest", flat=True).get()
    for body in (
        {"type": "recovery", "token": secret},
        {"type": "recovery", "token_hash": hashed_token},
        {"type": "recovery", "token_hash": stored},
    ):
        _assert_refused(_verify(body))
    # The Admin API's confirmation page and its consume-on-GET form refuse it too.
    confirm = Client().post("/auth/v1/verify/confirm", {"token": secret, "type": "recovery"})
    assert confirm.status_code == 303 and "error_code=otp_expired" in confirm["Location"]
    settings.VERIFY_CONSUMES_ON_GET = True
    on_get = Client().get("/auth/v1/verify", {"token": secret, "type": "recovery"})
    assert on_get.status_code == 303 and "error_code=otp_expired" in on_get["Location"]

    # Still unused, and it still does its job on the browser's own reset page.
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE
    reset = Client().post(f"/auth/password/reset/{secret}")
    assert reset.status_code == 303 and reset["Location"] == "/auth/password/set/"
