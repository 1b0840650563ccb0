"""magiclinks migration 0002: rows stored the old way (token_digest = hashed_token) are converted
to a hash of it, and the links open at deploy time keep working by secret and by hashed_token.

The suite runs with --nomigrations, so the migration's function is called directly, with the
app registry and a real schema editor, on whichever database the suite runs on (its PostgreSQL
statement in CI, Django's SHA256() on SQLite).
"""

import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks import tokens
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LinkStatus, LoginLink
from supabase_api.flows.admin_links import LinkRequest, create_link
from tests.supabase_api_support import V2024

migration = importlib.import_module("magiclinks.migrations.0002_hash_stored_link_digests")


def _store_the_old_way(issued) -> str:
    """What the column held before: SHA-256 of the secret (the hashed_token)."""
    old = hashlib.sha256(issued.secret.encode()).hexdigest()
    LoginLink.objects.filter(pk=issued.link.pk).update(token_digest=old)
    return old


def _migrate() -> None:
    with connection.schema_editor() as editor:
        migration.hash_stored_digests(apps, editor)


def _verify(body: dict):
    return Client().post("/auth/v1/verify", body, content_type="application/json", headers=V2024)


@pytest.mark.django_db(transaction=True)
def test_old_rows_are_converted_and_open_links_keep_working(make, settings):
    settings.SITE_URL = "https://app.example.com"
    account = make.account()
    partner_link = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    admin_links = []
    for email, kind in (("a@example.com", "magiclink"), ("b@example.com", "recovery")):
        User.objects.create_user(email, email_confirmed_at=timezone.now())
        admin_links.append(
            create_link(
                LinkRequest(type=kind, email=email, lifetime=timedelta(hours=1)),
                actor=Actor.system("tests"),
            ).issued
        )
    expired = issue_link(
        user=make.user(), kind=LinkKind.MAGICLINK, actor=Actor.system(), lifetime=timedelta(0)
    )
    every = [partner_link, *admin_links, expired]
    old_values = {issued.link.pk: _store_the_old_way(issued) for issued in every}

    _migrate()

    for issued in every:
        stored = LoginLink.objects.get(pk=issued.link.pk).token_digest
        assert stored == tokens.digest(issued.secret)
        assert stored == hashlib.sha256(old_values[issued.link.pk].encode()).hexdigest()
    # The open links work as before: the partner link by its secret on the browser page, the
    # Admin API links by their hashed_token and by their secret.
    signed_in = Client().post(f"/auth/partner-login/{partner_link.secret}")
    assert signed_in.status_code == 303, signed_in.content
    magic, recovery = admin_links
    by_hash = _verify({"type": "magiclink", "token_hash": magic.hashed_token})
    assert by_hash.status_code == 200, by_hash.content
    by_secret = _verify({"type": "recovery", "token": recovery.secret})
    assert by_secret.status_code == 200, by_secret.content
    assert LoginLink.objects.get(pk=magic.link.pk).status == LinkStatus.USED


@pytest.mark.django_db(transaction=True)
def test_an_old_row_can_no_longer_be_redeemed_by_its_stored_value_after_the_migration():
    User.objects.create_user("c@example.com", email_confirmed_at=timezone.now())
    issued = create_link(
        LinkRequest(type="recovery", email="c@example.com", lifetime=timedelta(hours=1)),
        actor=Actor.system("tests"),
    ).issued
    _store_the_old_way(issued)
    _migrate()
    stored = LoginLink.objects.get().token_digest
    refused = _verify({"type": "recovery", "token_hash": stored})
    assert refused.status_code == 403 and refused.json()["code"] == "otp_expired"
