"""magiclinks.admin: the links list (status, filters, search), revoke, read-only, no secrets."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, LoginLink

CHANGELIST = reverse("admin:magiclinks_loginlink_changelist")
VIEW = "magiclinks.view_loginlink"
REVOKE = "magiclinks.revoke_loginlink"


def issue(account, user=None, **kwargs):
    return issue_link(
        user=user or account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
        **kwargs,
    )


@pytest.fixture
def links(make):
    """One link in each status, each for a different account."""
    result = {}
    result["active"] = issue(make.account())
    result["used"] = issue(make.account())
    redeem_secret(result["used"].secret, kinds=[LinkKind.PARTNER_LOGIN])
    result["revoked"] = issue(make.account())
    revoke_link(result["revoked"].link, actor=Actor.system("test"))
    account = make.account()
    result["invalidated"] = issue(account)
    issue(account)  # supersedes the previous one (and is itself active)
    result["expired"] = issue(make.account())
    LoginLink.objects.filter(pk=result["expired"].link.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    return result


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "count"),
    [("active", 2), ("used", 1), ("revoked", 1), ("invalidated", 1), ("expired", 1)],
)
def test_status_filter(client, make, links, status, count):
    client.force_login(make.staff(VIEW))
    response = client.get(CHANGELIST, {"status": status})
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert len(shown) == count
    assert {link.status for link in shown} == {status}
    assert links[status].link.pk in {link.pk for link in shown}


@pytest.mark.django_db
def test_list_shows_computed_status_and_never_secrets(client, make, links):
    client.force_login(make.staff(VIEW))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    for issued in links.values():
        assert issued.secret not in response.text
        assert issued.link.token_digest not in response.text
    assert "revoked" in response.text and "expired" in response.text


@pytest.mark.django_db
def test_detail_page_hides_digest_and_otp_mac_and_notification_secret(client, make):
    account = make.account()
    result = generate_partner_link(
        account, PartnerLinkOptions(send_notification=True), actor=Actor.system("t")
    )
    link = LoginLink.objects.get()
    LoginLink.objects.filter(pk=link.pk).update(otp_mac="f" * 64)
    client.force_login(make.staff(VIEW))
    page = client.get(reverse("admin:magiclinks_loginlink_change", args=[link.pk]))
    assert page.status_code == 200
    for hidden in (result.secret, link.token_digest, "f" * 64, "encrypted_secret", "token_digest"):
        assert hidden not in page.text
    assert account.users.get().email in page.text  # the notification row is inline
    assert "notifications-group" in page.text and "Partner Login Link" in page.text


@pytest.mark.django_db
def test_links_are_read_only(client, make, links):
    client.force_login(make.staff(VIEW, "magiclinks.change_loginlink", "magiclinks.add_loginlink"))
    link = links["active"].link
    assert client.get(reverse("admin:magiclinks_loginlink_add")).status_code == 403
    url = reverse("admin:magiclinks_loginlink_change", args=[link.pk])
    client.post(url, {"purpose": "manual_delivery"})
    assert LoginLink.objects.get(pk=link.pk).purpose == ""
    delete = reverse("admin:magiclinks_loginlink_delete", args=[link.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert LoginLink.objects.filter(pk=link.pk).exists()


@pytest.mark.django_db
def test_revoke_action_revokes_active_links_and_audits(client, make, links):
    staff = make.staff(VIEW, REVOKE)
    client.force_login(staff)
    targets = [links["active"].link.pk, links["used"].link.pk]
    response = client.post(
        CHANGELIST, {"action": "revoke_links", helpers.ACTION_CHECKBOX_NAME: targets}, follow=True
    )
    assert "1 link(s) revoked" in response.text
    assert "1 link(s) were not active" in response.text
    assert LoginLink.objects.get(pk=targets[0]).status == "revoked"
    assert LoginLink.objects.get(pk=targets[1]).status == "used"
    event = AuditEvent.objects.get(event="login_link.revoked", link_id=targets[0])
    assert (event.actor_type, event.actor_id) == ("staff", str(staff.pk))


@pytest.mark.django_db
def test_revoke_needs_its_permission(client, make, links):
    client.force_login(make.staff(VIEW))
    assert 'value="revoke_links"' not in client.get(CHANGELIST).text
    pk = links["active"].link.pk
    client.post(CHANGELIST, {"action": "revoke_links", helpers.ACTION_CHECKBOX_NAME: [pk]})
    assert LoginLink.objects.get(pk=pk).status == "active"


@pytest.mark.django_db
def test_search_by_email_and_account_id(client, make, links):
    client.force_login(make.staff(VIEW))
    target = links["used"].link
    by_email = client.get(CHANGELIST, {"q": target.user.email})
    assert [link.pk for link in by_email.context["cl"].result_list] == [target.pk]
    by_account = client.get(CHANGELIST, {"q": str(target.account_id)})
    assert [link.pk for link in by_account.context["cl"].result_list] == [target.pk]


@pytest.mark.django_db
def test_filters_by_partner_purpose_kind_and_account(client, make):
    client.force_login(make.staff(VIEW))
    account = make.account()
    wanted = issue(account, purpose="lost_credentials").link
    issue(make.account(), purpose="initial_access")
    for params in (
        {"partner__id__exact": account.partner_id},
        {"purpose__exact": "lost_credentials"},
        {"account_id": account.pk},
    ):
        response = client.get(CHANGELIST, params)
        assert [link.pk for link in response.context["cl"].result_list] == [wanted.pk], params
    assert client.get(CHANGELIST, {"kind__exact": "signup"}).context["cl"].result_list.count() == 0
    assert client.get(CHANGELIST, {"account_id": "abc"}).status_code == 200


@pytest.mark.django_db
def test_changelist_query_count_does_not_grow_with_rows(
    client, make, django_assert_max_num_queries
):
    client.force_login(make.staff(VIEW))
    for _ in range(30):
        issue(make.account())
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


@pytest.mark.django_db
def test_account_and_user_pages_show_recent_links_with_status(client, make, links):
    client.force_login(make.staff("accounts.view_account", "accounts.view_user", VIEW))
    used = links["used"].link
    account_page = client.get(reverse("admin:accounts_account_change", args=[used.account_id]))
    assert 'data-status="used"' in account_page.text
    assert reverse("admin:magiclinks_loginlink_change", args=[used.pk]) in account_page.text
    user_page = client.get(reverse("admin:accounts_user_change", args=[used.user_id]))
    assert 'data-status="used"' in user_page.text
    assert used.token_digest not in account_page.text + user_page.text


@pytest.mark.django_db
def test_changing_a_users_email_in_the_admin_invalidates_their_links(client, make):
    client.force_login(User.objects.create_superuser("root@example.com", "x-long-password-1"))
    account = make.account()
    issued = issue(account)
    user = account.users.get()
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        email="moved@example.com",
        user_metadata="{}",
        app_metadata="{}",
        groups=[],
        user_permissions=[],
        **{"memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 1},
    )
    data = {k: v for k, v in data.items() if not hasattr(v, "isoformat")}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    link = LoginLink.objects.get(pk=issued.link.pk)
    assert link.status == "invalidated" and link.invalidation_reason == "user_changed"
    event = AuditEvent.objects.get(event="login_link.invalidated", link_id=link.pk)
    assert event.actor_type == "staff"
