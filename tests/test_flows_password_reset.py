"""magiclinks.flows.password_reset: a browser reset link (recovery, purpose lost_credentials,
pointing at /auth/password/reset/) emailed to active people only; the caller learns whether one
was sent, the person asking never does."""

from datetime import timedelta

import pytest
from django.utils import timezone

from magiclinks.flows.password_reset import request_password_reset
from magiclinks.models import LinkKind, LinkPurpose, LoginLink, Notification, NotificationKind

pytestmark = pytest.mark.django_db


def test_an_active_user_gets_a_one_hour_browser_reset_link(make, settings):
    settings.ADMIN_LINK_DEFAULT_SECONDS = 3600
    user = make.user("reset@example.com")
    assert request_password_reset("  Reset@Example.com ") is True
    link = LoginLink.objects.get(user=user)
    assert (link.kind, link.purpose) == (LinkKind.RECOVERY, LinkPurpose.LOST_CREDENTIALS)
    assert link.expires_at - link.created_at == timedelta(hours=1)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        ("reset@example.com", NotificationKind.RECOVERY)
    ]


def test_a_second_request_replaces_the_first_link(make):
    make.user("reset@example.com")
    request_password_reset("reset@example.com")
    request_password_reset("reset@example.com")
    assert LoginLink.objects.filter(invalidated_at=None).count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"banned_until": timezone.now() + timedelta(days=1)},
        {"is_staff": True},
        {"is_superuser": True},
    ],
    ids=["inactive", "banned", "staff", "superuser"],
)
def test_nobody_else_gets_a_link(make, fields):
    make.user("someone@example.com", **fields)
    assert request_password_reset("someone@example.com") is False
    assert request_password_reset("nobody@example.com") is False
    assert not LoginLink.objects.exists() and not Notification.objects.exists()
