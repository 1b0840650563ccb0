"""supabase_api.flows.admin_links, called directly with its typed input (no HTTP).

The HTTP tests (tests/test_supabase_api_*.py) prove the behaviour through the views; these pin it
at the flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status),
and the effects (rows, links, sessions, queued emails) committed or not at all.
"""

import pytest

from accounts.models import User
from audit.actors import Actor
from magiclinks.flows.errors import FlowError
from magiclinks.models import LinkKind, LoginLink
from supabase_api.flows import admin_links
from supabase_api.flows.errors import (
    EmailExists,
    NoUserWithEmail,
    SignupNeedsPassword,
    WeakPassword,
)

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
GOOD = "a long and unusual passphrase 42"


def link_request(kind=LinkKind.MAGICLINK, email="kim@example.com", **fields):
    return admin_links.LinkRequest(type=kind, email=email, redirect_to="https://app/", **fields)


def test_admin_links_magic_link_for_an_unknown_address_signs_up():
    generated = admin_links.create_link(link_request(), actor=ADMIN)
    assert generated.verification_type == LinkKind.SIGNUP
    assert User.objects.get(email="kim@example.com").has_usable_password() is False
    assert generated.action_link.startswith("http") and generated.issued.otp.isdigit()


def test_admin_links_refusals_are_flow_errors_and_write_nothing():
    with pytest.raises(NoUserWithEmail):
        admin_links.create_link(link_request(LinkKind.RECOVERY), actor=ADMIN)
    with pytest.raises(SignupNeedsPassword):
        admin_links.create_link(link_request(LinkKind.SIGNUP), actor=ADMIN)
    with pytest.raises(WeakPassword) as weak:
        admin_links.create_link(link_request(LinkKind.SIGNUP, password="123"), actor=ADMIN)
    assert "length" in weak.value.reasons
    assert not User.objects.exists() and not LoginLink.objects.exists()
    assert all(issubclass(cls, FlowError) for cls in (NoUserWithEmail, WeakPassword))


def test_admin_links_staff_are_a_taken_address_or_unknown(make):
    make.staff(email="boss@example.com")
    with pytest.raises(EmailExists):
        admin_links.create_link(link_request(email="boss@example.com"), actor=ADMIN)
    with pytest.raises(NoUserWithEmail):
        admin_links.create_link(link_request(LinkKind.RECOVERY, "boss@example.com"), actor=ADMIN)
    assert not LoginLink.objects.exists()
