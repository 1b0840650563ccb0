"""supabase_api.flows.admin_users, called directly with its typed input (no HTTP).

The HTTP tests (tests/test_supabase_api_*.py) prove the behaviour through the views; these pin it
at the flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status),
and the effects (rows, links, sessions, queued emails) committed or not at all.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LinkStatus
from supabase_api.flows import admin_users
from supabase_api.flows.errors import (
    EmailExists,
    UserNotFound,
)
from supabase_api.models import AuthSession
from supabase_api.sessions import start_session

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
GOOD = "a long and unusual passphrase 42"


def test_admin_users_create_update_delete():
    user = admin_users.create_user(
        admin_users.UserChanges(email="kim@example.com", password=GOOD, named=("email",)),
        actor=ADMIN,
    )
    assert user.check_password(GOOD)
    with pytest.raises(EmailExists):
        admin_users.create_user(admin_users.UserChanges(email="kim@example.com"), actor=ADMIN)
    changes = admin_users.UserChanges(app_metadata={"tier": "gold"}, ban=timedelta(hours=1))
    admin_users.update_user(admin_users.get_user(user.pk), changes, actor=ADMIN)
    assert User.objects.get(pk=user.pk).is_banned
    admin_users.delete_user(user, soft=False, actor=ADMIN)
    with pytest.raises(UserNotFound):
        admin_users.get_user(user.pk)
    with pytest.raises(UserNotFound):
        admin_users.get_user(uuid.uuid4())


def test_admin_users_listing_hides_staff(make):
    make.user(email="kim@example.com")
    make.staff(email="boss@example.com")
    assert [u.email for u in admin_users.listed_users()] == ["kim@example.com"]
    assert list(admin_users.listed_users("boss")) == []


def test_soft_delete_obfuscates_deactivates_revokes_and_frees_the_address(make):
    user = User.objects.create_user(
        "kim@example.com",
        password=GOOD,
        email_confirmed_at=timezone.now(),
        user_metadata={"name": "Kim"},
        app_metadata={"plan": "pro"},
        new_email="next@example.com",
    )
    start_session(user, method="otp")
    link = issue_link(
        user=user, kind=LinkKind.MAGICLINK, actor=ADMIN, lifetime=timedelta(hours=1)
    ).link
    admin_users.delete_user(admin_users.get_user(user.pk), soft=True, actor=ADMIN)

    gone = admin_users.get_user(user.pk)  # still there, for get_user_by_id to show
    assert gone.deleted_at is not None and not gone.is_active
    assert gone.email == admin_users.obfuscated(gone, "kim@example.com") and "@" not in gone.email
    assert gone.new_email == "" and not gone.has_usable_password()
    assert gone.user_metadata == {} and gone.app_metadata == {}
    assert AuthSession.objects.get().revoked_at is not None
    link.refresh_from_db()
    assert link.status != LinkStatus.ACTIVE
    assert AuditEvent.objects.filter(event="user.deleted", details__soft=True).exists()
    # The address is free again.
    again = admin_users.create_user(admin_users.UserChanges(email="kim@example.com"), actor=ADMIN)
    assert again.pk != user.pk
    # A second soft delete changes nothing.
    admin_users.delete_user(gone, soft=True, actor=ADMIN)
    assert admin_users.get_user(user.pk).email == gone.email


def test_role_is_set_and_kept():
    user = admin_users.create_user(
        admin_users.UserChanges(email="kim@example.com", role="editor"), actor=ADMIN
    )
    assert user.role == "editor"
    admin_users.update_user(user, admin_users.UserChanges(user_metadata={"a": 1}), actor=ADMIN)
    assert User.objects.get(pk=user.pk).role == "editor"
