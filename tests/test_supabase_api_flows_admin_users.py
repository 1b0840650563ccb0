"""supabase_api.flows.admin_users, called directly with its typed input (no HTTP).

The HTTP tests (tests/test_supabase_api_*.py) prove the behaviour through the views; these pin it
at the flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status),
and the effects (rows, links, sessions, queued emails) committed or not at all.
"""

import uuid
from datetime import timedelta

import pytest

from accounts.models import User
from audit.actors import Actor
from supabase_api.flows import admin_users
from supabase_api.flows.errors import (
    EmailExists,
    UserNotFound,
)

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
