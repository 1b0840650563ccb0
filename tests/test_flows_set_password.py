"""magiclinks.flows.set_password: Django's SetPasswordForm saved with its audit events, the
user's other open links retired and this session kept, in one transaction."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.set_password import set_password
from magiclinks.models import InvalidationReason, LinkKind, LoginLink

pytestmark = pytest.mark.django_db
GOOD = "a-long-and-unusual-passphrase-42"


def signed_in(user):
    request = RequestFactory().post("/auth/password/set/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    login(request, user, backend="accounts.backends.ModelBackend")
    return request


def test_the_password_is_saved_audited_per_account_and_open_links_retired(make):
    account = make.account()
    user = account.users.get()
    make.account(primary=user)  # a second account: one event each
    open_link = issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.system(),
        lifetime=timedelta(hours=1),
    )
    request = signed_in(user)
    form = SetPasswordForm(user, {"new_password1": GOOD, "new_password2": GOOD})
    assert form.is_valid(), form.errors
    saved = set_password(request, form, method="partner_link")
    assert saved.check_password(GOOD) and saved.password.startswith("argon2")
    events = AuditEvent.objects.filter(event="credentials.set")
    assert sorted(events.values_list("account_id", flat=True)) == sorted(
        user.memberships.values_list("account_id", flat=True)
    )
    assert {e.details["method"] for e in events} == {"partner_link"}
    link = LoginLink.objects.get(pk=open_link.link.pk)
    assert link.invalidation_reason == InvalidationReason.USER_CHANGED
    # This session stays signed in with the new password's hash.
    assert request.session[SESSION_KEY] == str(user.pk)
    assert request.session["_auth_user_hash"] == saved.get_session_auth_hash()


def test_a_user_on_no_account_gets_one_event_without_account(make):
    user = make.user()
    form = SetPasswordForm(user, {"new_password1": GOOD, "new_password2": GOOD})
    assert form.is_valid()
    set_password(signed_in(user), form, method="password_reset")
    event = AuditEvent.objects.get(event="credentials.set")
    assert (event.account_id, event.details) == (None, {"method": "password_reset"})
