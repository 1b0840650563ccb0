"""audit.dashboard and the admin index panel: the last 24 hours' counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from audit.dashboard import last_24_hours
from audit.models import AuditEvent
from audit.recorder import build, record
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.models import LinkKind


@pytest.mark.django_db
def test_counts_cover_only_the_last_24_hours(make):
    account = make.account()
    first = generate_partner_link(
        account, PartnerLinkOptions(send_notification=False), actor=Actor.system("t")
    )
    generate_partner_link(
        make.account(), PartnerLinkOptions(send_notification=False), actor=Actor.system("t")
    )
    redeem_secret(first.secret, kinds=[LinkKind.PARTNER_LOGIN])
    redeem_secret("x" * 43, kinds=[LinkKind.PARTNER_LOGIN])
    record("notification.failed", actor=Actor.system("mailer"))
    old = build("login_link.generated", actor=Actor.system())
    old.occurred_at = timezone.now() - timedelta(hours=25)
    AuditEvent.objects.bulk_create([old])
    assert last_24_hours() == {
        "links_generated": 2,
        "links_redeemed": 1,
        "failed_redemptions": 1,
        "notifications_failed": 1,
    }


@pytest.mark.django_db
def test_index_shows_the_panel_to_audit_readers_only(client, make):
    generate_partner_link(
        make.account(), PartnerLinkOptions(send_notification=False), actor=Actor.system("t")
    )
    client.force_login(make.staff("audit.view_auditevent"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert 'data-count="links_generated">1<' in response.text
    client.force_login(make.staff("accounts.view_account"))
    assert "last-24-hours" not in client.get(reverse("admin:index")).text


@pytest.mark.django_db
def test_panel_is_one_query(make, django_assert_num_queries):
    with django_assert_num_queries(1):
        last_24_hours()
