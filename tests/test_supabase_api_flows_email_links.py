"""supabase_api.flows.email_links, called directly with its typed input (no HTTP).

The HTTP tests (tests/test_supabase_api_*.py) prove the behaviour through the views; these pin it
at the flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status),
and the effects (rows, links, sessions, queued emails) committed or not at all.
"""

import pytest

from audit.actors import Actor
from magiclinks.models import LinkKind, Notification
from supabase_api.flows import admin_links, email_links
from supabase_api.flows.errors import (
    SignupDisabled,
)

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
GOOD = "a long and unusual passphrase 42"


def link_request(kind=LinkKind.MAGICLINK, email="kim@example.com", **fields):
    return admin_links.LinkRequest(type=kind, email=email, redirect_to="https://app/", **fields)


def test_email_links_queue_the_email_with_the_link(settings):
    email_links.invite_user(link_request(LinkKind.INVITE, "guest@example.com"), actor=ADMIN)
    assert Notification.objects.get().link.kind == LinkKind.INVITE
    settings.DISABLE_SIGNUP = True
    with pytest.raises(SignupDisabled):
        email_links.request_magic_link(link_request(email="new@example.com"), create_user=True)
    email_links.request_magic_link(link_request(email="new@example.com"), create_user=False)
    email_links.request_recovery(link_request(LinkKind.RECOVERY, "nobody@example.com"))
    assert Notification.objects.count() == 1  # nothing for the refused or unknown addresses
