"""Shared fixtures and factories.

`postgres` and `redis` fixtures: tests that need the real engines fail in CI when the engine is
unreachable (CI=true) and are skipped elsewhere, saying why.
"""

import contextlib
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection

from accounts.key_services import create_partner_key
from accounts.models import Account, Membership, MembershipRole, Partner, User
from audit.actors import Actor

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(condition: bool, what: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not configured or reachable")
    pytest.skip(f"{what} not available (set DATABASE_URL/REDIS_URL; CI makes this a failure)")


@pytest.fixture
def postgres():
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def redis_cache():
    need(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    try:
        cache.set("ping", 1, 5)
    except Exception:
        need(False, "Redis at REDIS_URL")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; every test starts from zero."""
    with contextlib.suppress(Exception):  # the Redis-down tests stop Redis on purpose
        cache.clear()
    yield


class Factory:
    """Builds the domain objects tests need, with sensible defaults."""

    def __init__(self) -> None:
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def partner(
        self, name: str | None = None, domains: list[str] | None = None, **fields
    ) -> Partner:
        return Partner.objects.create(
            name=name or f"Partner {self._next()}",
            permitted_domains=domains if domains is not None else ["yourplatform.com"],
            **fields,
        )

    def api_key(self, partner: Partner, **kwargs) -> str:
        return create_partner_key(partner, actor=Actor.system("test"), **kwargs).plaintext

    def user(self, email: str | None = None, **fields) -> User:
        email = email or f"user{self._next()}@example.com"
        return User.objects.create_user(email, **fields)

    def account(
        self, partner: Partner | None = None, primary: User | None = None, **fields
    ) -> Account:
        partner = partner or self.partner()
        primary = primary or self.user(first_name="Pat", last_name="Primary")
        account = Account.objects.create(partner=partner, **fields)
        Membership.objects.create(account=account, user=primary, role=MembershipRole.PRIMARY)
        return account

    def member(self, account: Account, role: str = MembershipRole.ADDITIONAL, **fields) -> User:
        user = self.user(**fields)
        Membership.objects.create(account=account, user=user, role=role)
        return user

    def staff(self, *perms: str, password: str | None = None, **fields) -> User:
        """A staff user holding `perms` ("app_label.codename") and nothing else."""
        user = self.user(password=password, is_staff=True, **fields)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return user


@pytest.fixture
def make() -> Factory:
    return Factory()


HOUR = timedelta(hours=1)
