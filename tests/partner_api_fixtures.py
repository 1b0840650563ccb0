"""Fixtures of the Partner API tests (loaded with pytest_plugins): a partner with a key and an
account ("tenant"), and a second, unrelated partner ("other_tenant")."""

from dataclasses import dataclass

import pytest

from accounts.models import Account, Partner
from tests.partner_api_support import Api


@dataclass
class Tenant:
    partner: Partner
    key: str
    account: Account
    api: Api


@pytest.fixture
def tenant(make) -> Tenant:
    partner = make.partner(domains=["yourplatform.com"])
    key = make.api_key(partner)
    account = make.account(
        partner=partner,
        primary=make.user("john.doe@example.com", first_name="John", last_name="Doe"),
    )
    return Tenant(partner=partner, key=key, account=account, api=Api(key))


@pytest.fixture
def other_tenant(make) -> Tenant:
    partner = make.partner(domains=["other.example"])
    key = make.api_key(partner)
    account = make.account(partner=partner)
    return Tenant(partner=partner, key=key, account=account, api=Api(key))
