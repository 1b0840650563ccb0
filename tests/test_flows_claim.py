"""magiclinks.flows.claim called directly: who is claimable, and what a claim wipes. The attack
it stops (a stranger's signup blocking or pre-owning a partner's client) is played end to end in
tests/security/test_public_signup_cannot_block_onboarding.py."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.claim import claim_user, is_claimable, lock_user
from magiclinks.flows.issue import issue_link
from magiclinks.models import InvalidationReason, LinkKind, LoginLink

pytestmark = pytest.mark.django_db


def stranger_signup(email: str = "victim@example.com", **fields) -> User:
    """What anonymous POST /auth/v1/otp leaves behind: an unconfirmed, never signed-in user."""
    return User.objects.create_user(email, **fields)


def test_an_untouched_signup_is_claimable():
    assert is_claimable(stranger_signup())


@pytest.mark.parametrize(
    "fields",
    [
        {"email_confirmed_at": timezone.now()},
        {"last_login": timezone.now()},
        {"is_active": False},
        {"banned_until": timezone.now() + timedelta(days=1)},
        {"is_staff": True},
        {"is_superuser": True},
    ],
    ids=["confirmed", "signed-in", "inactive", "banned", "staff", "superuser"],
)
def test_anybody_who_is_more_than_an_untouched_signup_is_not(fields):
    assert not is_claimable(stranger_signup(**fields))


def test_somebody_on_an_account_is_not_claimable(make):
    account = make.account()
    assert not is_claimable(account.users.get())


def test_a_claim_wipes_what_the_creator_planted_and_is_audited(make):
    partner = make.partner()
    user = stranger_signup(
        password="planted-password-123",
        user_metadata={"role": "admin"},
        app_metadata={"provider": "evil"},
        new_email="attacker@example.com",
        first_name="Planted",
    )
    planted = issue_link(
        user=user, kind=LinkKind.MAGICLINK, actor=Actor.system(), lifetime=timedelta(hours=1)
    )
    with transaction.atomic():
        claimed = claim_user(
            lock_user(user), partner, actor=Actor.partner(partner), first_name="Ann", last_name="B"
        )
    claimed.refresh_from_db()
    assert not claimed.has_usable_password()
    assert (claimed.user_metadata, claimed.app_metadata, claimed.new_email) == ({}, {}, "")
    assert (claimed.first_name, claimed.last_name) == ("Ann", "B")
    link = LoginLink.objects.get(pk=planted.link.pk)
    assert link.invalidation_reason == InvalidationReason.USER_CHANGED
    event = AuditEvent.objects.get(event="user.claimed")
    assert event.partner_id == partner.pk
    assert event.details == {
        "wiped": ["app_metadata", "new_email", "password", "user_metadata"],
        "links_invalidated": 1,
        "sessions_revoked": 0,
    }
