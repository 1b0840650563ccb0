""" "Forgot your password?": email a single-use reset link, revealing nothing about the address.

The link is an ordinary `recovery` link of the engine (issue_link, one hour by default), marked
with purpose `lost_credentials` so that magiclinks.link_urls points it at the browser's reset
page rather than the Admin API's /auth/v1/verify. Issuing it replaces the user's earlier recovery
links, and the email goes through the outbox in the same transaction.

Staff and superusers get no reset link (accounts.protection): the reset page signs the person in
to the Django session the admin uses, so a mailbox or a forwarded email would be an admin login.
They change their password in the admin (or a superuser runs `manage.py changepassword`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from accounts.models import User, normalize_email_address
from accounts.protection import is_protected
from audit.actors import Actor
from audit.models import ActorType

from ..models import LinkKind, LinkPurpose, NotificationKind
from ..notifications.outbox import queue_link_email
from .issue import issue_link

# The requester has not proved who they are yet: the link records that it was self-service.
SELF_SERVICE = Actor(ActorType.USER, "", "self-service (forgot password form)")


def request_password_reset(email: str) -> bool:
    """Email a reset link when `email` belongs to an active user; returns whether one was sent.

    Callers must not show the result to the requester: the page is the same either way.
    """
    user = User.objects.filter(email=normalize_email_address(email)).first()
    # Deactivated or banned people could not sign in with the new password anyway; staff never
    # reset through a link (see the module docstring).
    if user is None or not user.is_active or user.is_banned or is_protected(user):
        return False
    with transaction.atomic():
        issued = issue_link(
            user=user,
            kind=LinkKind.RECOVERY,
            actor=SELF_SERVICE,
            lifetime=timedelta(seconds=settings.ADMIN_LINK_DEFAULT_SECONDS),
            purpose=LinkPurpose.LOST_CREDENTIALS,
        )
        queue_link_email(issued, kind=NotificationKind.RECOVERY, actor=SELF_SERVICE)
    return True
