"""supabase_api.flows.verify, called directly with its typed input (no HTTP).

The HTTP tests (tests/test_supabase_api_*.py) prove the behaviour through the views; these pin it
at the flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status),
and the effects (rows, links, sessions, queued emails) committed or not at all.
"""

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.flows.redeem import RedeemFailure
from magiclinks.models import LinkKind
from supabase_api.flows import admin_links, verify
from supabase_api.flows.errors import (
    VerifyFailed,
)
from supabase_api.models import AuthSession

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
GOOD = "a long and unusual passphrase 42"


def link_request(kind=LinkKind.MAGICLINK, email="kim@example.com", **fields):
    return admin_links.LinkRequest(type=kind, email=email, redirect_to="https://app/", **fields)


def test_verify_by_code_starts_a_session_and_a_wrong_code_is_verify_failed():
    User.objects.create_user("kim@example.com", email_confirmed_at=timezone.now())
    generated = admin_links.create_link(link_request(), actor=ADMIN)
    with pytest.raises(VerifyFailed) as failed:
        verify.verify_email_otp("kim@example.com", "000000", "magiclink")
    assert failed.value.failure == RedeemFailure.WRONG_CODE
    verified = verify.verify_email_otp("kim@example.com", generated.issued.otp, "magiclink")
    assert verified.session.user.email == "kim@example.com"
    assert verified.link.pk == generated.issued.link.pk
    assert "email" in verify.VERIFY_TYPES and AuthSession.objects.count() == 1
