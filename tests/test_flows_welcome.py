"""magiclinks.flows.welcome: a new member's first link, 7 days, optionally emailed."""

from datetime import timedelta

import pytest
from django.db import transaction

from audit.actors import Actor
from magiclinks.flows.welcome import issue_welcome_link
from magiclinks.models import LinkKind, LinkPurpose, Notification, NotificationKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("notify", [True, False])
def test_a_week_long_partner_link_emailed_on_request(make, notify):
    account = make.account()
    user = account.users.get()
    with transaction.atomic():
        welcome = issue_welcome_link(
            account,
            user,
            actor=Actor.partner(account.partner),
            purpose=LinkPurpose.INITIAL_ACCESS,
            notify=notify,
            notification_kind=NotificationKind.ACCOUNT_CREATED,
        )
    link = welcome.issued.link
    assert (link.kind, link.account, link.purpose) == (
        LinkKind.PARTNER_LOGIN,
        account,
        LinkPurpose.INITIAL_ACCESS,
    )
    assert link.expires_at - link.created_at == timedelta(hours=168)
    assert welcome.url.endswith(f"/auth/partner-login/{welcome.issued.secret}")
    assert welcome.notification_queued is notify
    emails = list(Notification.objects.values_list("kind", "options"))
    expected = {"partner_branded": True, "include_instructions": True}
    assert emails == ([(NotificationKind.ACCOUNT_CREATED, expected)] if notify else [])
