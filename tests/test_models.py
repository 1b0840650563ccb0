"""accounts.models and magiclinks.models: constraints and derived values."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Membership, MembershipRole, User
from magiclinks.models import LoginLink

pytestmark = pytest.mark.django_db


def test_emails_are_unique_regardless_of_case(make):
    make.user("Jane@Example.com")
    assert User.objects.get_by_email("JANE@example.COM").email == "jane@example.com"
    with pytest.raises(IntegrityError):
        make.user("jane@EXAMPLE.com")


def test_a_user_without_password_has_an_unusable_one(make):
    assert not make.user().has_usable_password()
    user = make.user(password="correct horse battery staple")
    assert user.password.startswith("argon2$")


def test_one_primary_per_account(make):
    account = make.account()
    with pytest.raises(IntegrityError):
        Membership.objects.create(account=account, user=make.user(), role=MembershipRole.PRIMARY)


def test_status_is_derived_and_matches_the_sql_annotation(make):
    from audit.actors import Actor
    from magiclinks.flows.issue import issue_link
    from magiclinks.models import LinkKind

    user = make.user()
    links = [
        issue_link(user=user, kind=kind, actor=Actor.system(), lifetime=timedelta(hours=1)).link
        for kind in [
            LinkKind.SIGNUP,
            LinkKind.RECOVERY,
            LinkKind.EMAIL_CHANGE_NEW,
            LinkKind.EMAIL_CHANGE_CURRENT,
        ]
    ]
    now = timezone.now()
    LoginLink.objects.filter(pk=links[0].pk).update(used_at=now)
    LoginLink.objects.filter(pk=links[1].pk).update(expires_at=now)
    LoginLink.objects.filter(pk=links[2].pk).update(
        invalidated_at=now, invalidation_reason="revoked"
    )
    expected = {
        links[0].pk: "used",
        links[1].pk: "expired",
        links[2].pk: "revoked",
        links[3].pk: "active",
    }
    for link in LoginLink.objects.with_status():
        assert link.status == link.computed_status == expected[link.pk]
    for status in ["used", "expired", "revoked", "active", "invalidated"]:
        assert {link.pk for link in LoginLink.objects.with_status_in(status)} == {
            pk for pk, value in expected.items() if value == status
        }


@pytest.mark.parametrize("table", ["magiclinks_loginlink", "audit_auditevent"])
def test_the_hot_tables_have_no_index_another_one_already_serves(postgres, table):
    # Every issue inserts into both tables: an index whose columns lead another index (or a
    # LIKE twin of a unique one) costs every insert and serves no query the other cannot.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indpred IS NOT NULL,"
            " array(SELECT pg_get_indexdef(x.indexrelid, k + 1, true)"
            "       FROM generate_subscripts(x.indkey, 1) AS k ORDER BY k)"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass",
            [table],
        )
        indexes = cursor.fetchall()
    assert not [name for name, definition, *_ in indexes if "pattern_ops" in definition]
    full = [(name, columns) for name, _, partial, columns in indexes if not partial]
    redundant = [
        (name, other)
        for name, columns in full
        for other, other_columns in full
        if name != other and other_columns[: len(columns)] == columns
    ]
    assert redundant == []


def test_a_digest_is_stored_once(make):
    link = LoginLink.objects.create(
        token_digest="e" * 64,
        user=make.user(),
        kind="magiclink",
        scope="admin:magiclink",
        issuer_type="system",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(IntegrityError):
        LoginLink.objects.create(
            token_digest=link.token_digest,
            user=link.user,
            kind="magiclink",
            scope="admin:magiclink",
            issuer_type="system",
            expires_at=link.expires_at,
        )
