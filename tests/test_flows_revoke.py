"""magiclinks.flows.revoke: only an active link is revoked, once, with its audit event."""

from datetime import timedelta

import pytest

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import InvalidationReason, LinkKind, LinkStatus, LoginLink

pytestmark = pytest.mark.django_db


def _link(make):
    account = make.account()
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )


def test_an_active_link_is_revoked_and_audited(make):
    issued = _link(make)
    assert revoke_link(issued.link, actor=Actor.system("test")) is True
    link = LoginLink.objects.get(pk=issued.link.pk)
    assert link.status == LinkStatus.REVOKED
    assert link.invalidation_reason == InvalidationReason.REVOKED
    event = AuditEvent.objects.get(event="login_link.revoked")
    assert (event.link_id, event.account_id) == (link.pk, link.account_id)
    assert event.details == {"kind": "partner_login"}


def test_revoking_twice_or_a_used_link_changes_nothing(make):
    issued = _link(make)
    revoke_link(issued.link, actor=Actor.system())
    assert revoke_link(issued.link, actor=Actor.system()) is False
    used = _link(make)
    redeem_secret(used.secret, kinds=[LinkKind.PARTNER_LOGIN])
    assert revoke_link(used.link, actor=Actor.system()) is False
    assert LoginLink.objects.get(pk=used.link.pk).status == LinkStatus.USED
    assert AuditEvent.objects.filter(event="login_link.revoked").count() == 1
