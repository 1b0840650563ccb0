"""supabase_api.flows.password: one answer for every failure (and about the same time), the
banned and unconfirmed rules, and a session like /verify's."""

import statistics
import time

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from supabase_api.flows.errors import EmailNotConfirmed, InvalidCredentials, PasswordUserBanned
from supabase_api.flows.password import PasswordSignIn, sign_in_with_password

pytestmark = pytest.mark.django_db
GOOD = "a long and unusual passphrase 42"


def attempt(email="kim@example.com", password=GOOD):
    return sign_in_with_password(PasswordSignIn(email=email, password=password))


@pytest.fixture
def kim(make):
    return make.user("kim@example.com", password=GOOD, email_confirmed_at=timezone.now())


def test_the_right_password_starts_a_password_session(kim):
    issued = attempt()
    assert issued.user.pk == kim.pk and issued.session.method == "password"
    assert issued.access_token and issued.refresh_token


@pytest.mark.parametrize(
    "email, password",
    [
        ("nobody@example.com", GOOD),
        ("kim@example.com", "not the passphrase at all"),
        ("kim@example.com", ""),
        ("kim@example.com", None),
        ("kim@example.com", 42),
    ],
)
def test_every_failure_is_invalid_credentials(kim, email, password):
    with pytest.raises(InvalidCredentials) as refused:
        attempt(email, password)
    assert refused.value.message == "Invalid login credentials"


@pytest.mark.parametrize("fields", [{"is_staff": True}, {"is_active": False}])
def test_staff_and_deactivated_users_are_invalid_credentials_even_with_their_password(make, fields):
    make.user("kim@example.com", password=GOOD, email_confirmed_at=timezone.now(), **fields)
    with pytest.raises(InvalidCredentials):
        attempt()


def test_a_user_without_a_password_is_invalid_credentials(make):
    make.user("kim@example.com", email_confirmed_at=timezone.now())  # unusable password
    with pytest.raises(InvalidCredentials):
        attempt()


def test_banned_is_said_only_to_whoever_has_the_password(make):
    make.user(
        "kim@example.com",
        password=GOOD,
        email_confirmed_at=timezone.now(),
        banned_until=timezone.now() + timezone.timedelta(days=1),
    )
    with pytest.raises(InvalidCredentials):
        attempt(password="a wrong passphrase here")
    with pytest.raises(PasswordUserBanned):
        attempt()


def test_unconfirmed_is_invalid_credentials_unless_the_setting_reveals_it(make, settings):
    make.user("kim@example.com", password=GOOD)
    with pytest.raises(InvalidCredentials):
        attempt()
    settings.PASSWORD_SIGN_IN_REVEALS_UNCONFIRMED = True
    with pytest.raises(EmailNotConfirmed):
        attempt()
    with pytest.raises(InvalidCredentials):  # never without the password
        attempt(password="a wrong passphrase here")


def test_a_sign_in_never_rewrites_the_stored_hash(kim):
    before = User.objects.get(pk=kim.pk).password
    attempt()
    assert User.objects.get(pk=kim.pk).password == before


def test_wrong_passwords_are_audited_against_the_user(kim):
    with pytest.raises(InvalidCredentials):
        attempt(password="a wrong passphrase here")
    assert AuditEvent.objects.filter(event="session.password_failed", user_id=kim.pk).exists()


def _median_seconds(email: str, password: str) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        with pytest.raises(InvalidCredentials):
            attempt(email, password)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_an_unknown_address_costs_about_as_much_as_a_wrong_password(kim):
    with pytest.raises(InvalidCredentials):
        attempt("nobody@example.com", "warm up the dummy hash")
    unknown = _median_seconds("nobody@example.com", GOOD)
    wrong = _median_seconds("kim@example.com", "a wrong passphrase here")
    # Both run one Argon2 check; without the dummy hash the unknown address would be ~100x
    # faster. The bounds are loose: the machine is shared.
    assert 0.4 < unknown / wrong < 2.5, (unknown, wrong)
