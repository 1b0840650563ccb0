"""audit.admin: read-only for everyone, filters, links to related pages, constant query count."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from audit.recorder import record
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link

CHANGELIST = reverse("admin:audit_auditevent_changelist")


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser("root@example.com", "x-long-password-1")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_nobody_can_add_change_or_delete_not_even_a_superuser(client, make, superuser):
    event = record("account.suspended", actor=Actor.system(), details={"n": 1})
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # a view page, no save button
    client.post(change, {"event": "tampered"})
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    listing = client.get(CHANGELIST)
    assert 'value="delete_selected"' not in listing.text
    client.post(CHANGELIST, {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [event.pk]})
    assert AuditEvent.objects.get(pk=event.pk).event == "account.suspended"


@pytest.mark.django_db
def test_events_link_to_account_user_and_link(client, make, superuser):
    account = make.account()
    result = generate_partner_link(
        account, PartnerLinkOptions(send_notification=False), actor=Actor.system("t")
    )
    response = client.get(CHANGELIST, {"event": "login_link.generated"})
    assert reverse("admin:accounts_account_change", args=[account.pk]) in response.text
    assert reverse("admin:accounts_user_change", args=[result.user.pk]) in response.text
    assert reverse("admin:magiclinks_loginlink_change", args=[result.link.pk]) in response.text


@pytest.mark.django_db
def test_filters_by_event_actor_partner_and_account(client, make, superuser):
    first, second = make.account(), make.account()
    generate_partner_link(
        first, PartnerLinkOptions(send_notification=False), actor=Actor.staff(superuser)
    )
    generate_partner_link(
        second, PartnerLinkOptions(send_notification=False), actor=Actor.partner(second.partner)
    )

    def shown(**params):
        return list(client.get(CHANGELIST, params).context["cl"].result_list)

    assert {e.account_id for e in shown(actor_type__exact="staff")} == {first.pk}
    assert {e.account_id for e in shown(partner__id__exact=second.partner_id)} == {second.pk}
    assert {e.event for e in shown(account_id=first.pk)} == {"login_link.generated"}
    assert shown(event="login_link.redeemed") == []
    assert client.get(CHANGELIST, {"account_id": "nope"}).status_code == 200


@pytest.mark.django_db
def test_view_permission_is_enough_to_read(client, make):
    event = record("account.suspended", actor=Actor.system())
    client.force_login(make.staff("audit.view_auditevent"))
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    client.force_login(make.staff())
    assert client.get(CHANGELIST).status_code == 403


@pytest.mark.django_db
def test_changelist_query_count_is_constant(client, make, superuser, django_assert_max_num_queries):
    for _ in range(15):
        generate_partner_link(
            make.account(), PartnerLinkOptions(send_notification=True), actor=Actor.system("t")
        )
    assert AuditEvent.objects.count() == 30  # generated + notification.queued per link
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].show_full_result_count is False
