"""magiclinks.flows.redeem: single use, expiry boundary, failure reasons, OTP attempt limit,
and 20 simultaneous redemptions on PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import RedeemFailure, redeem_digest, redeem_otp, redeem_secret
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, LinkStatus, LoginLink

HOUR = timedelta(hours=1)
PARTNER = [LinkKind.PARTNER_LOGIN]


def partner_link(make, **kwargs):
    account = make.account()
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=HOUR,
        **kwargs,
    )


@pytest.mark.django_db
def test_a_link_redeems_once(make):
    issued = partner_link(make)
    first = redeem_secret(issued.secret, kinds=PARTNER)
    assert first.ok and first.link.pk == issued.link.pk
    assert first.link.status == LinkStatus.USED
    second = redeem_secret(issued.secret, kinds=PARTNER)
    assert second.failure == RedeemFailure.USED
    events = list(AuditEvent.objects.filter(link_id=issued.link.pk).values_list("event", "details"))
    assert ("login_link.redeemed", {"kind": "partner_login"}) in events
    assert ("login_link.redeem_failed", {"reason": "used"}) in events


@pytest.mark.django_db
def test_expiry_boundary(make):
    issued = partner_link(make)
    expires_at = issued.link.expires_at
    at_expiry = redeem_secret(issued.secret, kinds=PARTNER, now=expires_at)
    assert at_expiry.failure == RedeemFailure.EXPIRED
    just_before = redeem_secret(
        issued.secret, kinds=PARTNER, now=expires_at - timedelta(microseconds=1)
    )
    assert just_before.ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("secret", "failure"),
    [("A" * 43, RedeemFailure.UNKNOWN), ("short", RedeemFailure.UNKNOWN), (None, "unknown")],
)
def test_unknown_and_malformed_secrets(secret, failure):
    result = redeem_secret(secret, kinds=PARTNER)
    assert result.failure == failure and result.link is None
    assert AuditEvent.objects.get().details == {"reason": "unknown"}


@pytest.mark.django_db
def test_invalidated_and_revoked_links_say_so(make):
    account = make.account()
    user = account.users.get()
    actor = Actor.partner(account.partner)
    old = issue_link(
        user=user, kind=LinkKind.PARTNER_LOGIN, account=account, actor=actor, lifetime=HOUR
    )
    new = issue_link(
        user=user, kind=LinkKind.PARTNER_LOGIN, account=account, actor=actor, lifetime=HOUR
    )
    assert redeem_secret(old.secret, kinds=PARTNER).failure == RedeemFailure.INVALIDATED
    assert revoke_link(new.link, actor=actor)
    assert not revoke_link(new.link, actor=actor)  # already revoked
    assert redeem_secret(new.secret, kinds=PARTNER).failure == RedeemFailure.REVOKED


@pytest.mark.django_db
def test_a_link_of_another_kind_is_unknown_here(make):
    issued = issue_link(
        user=make.user(), kind=LinkKind.MAGICLINK, actor=Actor.system(), lifetime=HOUR
    )
    assert redeem_secret(issued.secret, kinds=PARTNER).failure == RedeemFailure.UNKNOWN
    assert redeem_secret(issued.secret, kinds=[LinkKind.MAGICLINK]).ok


@pytest.mark.django_db
def test_banned_users_cannot_redeem(make):
    issued = partner_link(make)
    issued.link.user.banned_until = timezone.now() + HOUR
    issued.link.user.save()
    assert redeem_secret(issued.secret, kinds=PARTNER).failure == RedeemFailure.DISABLED
    assert LoginLink.objects.get(pk=issued.link.pk).status == LinkStatus.ACTIVE


@pytest.mark.django_db
def test_redeem_by_digest(make):
    issued = issue_link(
        user=make.user(), kind=LinkKind.RECOVERY, actor=Actor.system(), lifetime=HOUR
    )
    assert redeem_digest("not-a-digest", kinds=[LinkKind.RECOVERY]).failure == "unknown"
    # The stored column is a hash of the hashed_token: presenting it redeems nothing.
    assert redeem_digest(issued.link.token_digest, kinds=[LinkKind.RECOVERY]).failure == "unknown"
    assert redeem_digest(issued.hashed_token.upper(), kinds=[LinkKind.RECOVERY]).ok


@pytest.mark.django_db
def test_otp_redeems_and_wrong_codes_disable_the_code(make, settings):
    settings.OTP_MAX_ATTEMPTS = 5
    user = make.user()
    kinds = [LinkKind.MAGICLINK]
    issued = issue_link(
        user=user, kind=LinkKind.MAGICLINK, actor=Actor.system(), lifetime=HOUR, with_otp=True
    )
    wrong = f"{(int(issued.otp) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        assert redeem_otp(user, wrong, kinds=kinds).failure == RedeemFailure.WRONG_CODE
        assert LoginLink.objects.get(pk=issued.link.pk).otp_failed_attempts == attempt
    disabled = AuditEvent.objects.get(event="login_link.otp_disabled")
    assert disabled.link_id == issued.link.pk and disabled.details == {"failed_attempts": 5}
    # The right code no longer helps and nothing more is counted...
    assert redeem_otp(user, issued.otp, kinds=kinds).failure == RedeemFailure.UNKNOWN
    assert LoginLink.objects.get(pk=issued.link.pk).otp_failed_attempts == 5
    # ...but the link is not invalidated: its secret still works.
    assert LoginLink.objects.get(pk=issued.link.pk).status == LinkStatus.ACTIVE
    assert redeem_secret(issued.secret, kinds=kinds).ok


@pytest.mark.django_db
def test_wrong_codes_count_against_every_open_code_of_the_kinds(make, settings):
    settings.OTP_MAX_ATTEMPTS = 5
    user = make.user()
    signup = issue_link(
        user=user, kind=LinkKind.SIGNUP, actor=Actor.system(), lifetime=HOUR, with_otp=True
    )
    magic = issue_link(
        user=user, kind=LinkKind.MAGICLINK, actor=Actor.system(), lifetime=HOUR, with_otp=True
    )
    codes = {signup.otp, magic.otp}
    wrong = next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in codes)
    kinds = [LinkKind.SIGNUP, LinkKind.MAGICLINK]
    assert redeem_otp(user, wrong, kinds=kinds).failure == RedeemFailure.WRONG_CODE
    assert set(LoginLink.objects.values_list("otp_failed_attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_an_unknown_person_is_refused_and_audited_without_an_address(settings):
    result = redeem_otp(None, "123456", kinds=[LinkKind.RECOVERY])
    assert result.failure == RedeemFailure.UNKNOWN and result.link is None
    event = AuditEvent.objects.get()
    assert event.event == "login_link.redeem_failed" and event.user_id is None
    assert event.details == {"reason": "unknown"}


@pytest.mark.django_db
def test_right_otp_redeems(make):
    user = make.user()
    issued = issue_link(
        user=user, kind=LinkKind.SIGNUP, actor=Actor.system(), lifetime=HOUR, with_otp=True
    )
    assert redeem_otp(user, issued.otp, kinds=[LinkKind.MAGICLINK]).failure == "unknown"
    result = redeem_otp(user, issued.otp, kinds=[LinkKind.SIGNUP])
    assert result.ok and result.link.pk == issued.link.pk
    assert redeem_otp(user, issued.otp, kinds=[LinkKind.SIGNUP]).failure == "unknown"


def _race(secret: str, contenders: int) -> list:
    barrier = threading.Barrier(contenders)
    results: list = [None] * contenders

    def contend(index: int) -> None:
        try:
            barrier.wait()
            results[index] = redeem_secret(secret, kinds=PARTNER).failure
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_redeeming_one_link_exactly_one_wins(make, postgres):
    issued = partner_link(make)
    results = _race(issued.secret, 20)
    assert results.count(None) == 1
    assert results.count(RedeemFailure.USED) == 19
    assert AuditEvent.objects.filter(event="login_link.redeemed").count() == 1
    assert AuditEvent.objects.filter(event="login_link.redeem_failed").count() == 19
