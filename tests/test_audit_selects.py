"""audit.selects: a hand-written joined SELECT turned back into the instances a select_related
queryset would give (same values, JSON decoded, the user's saved state), on any backend."""

import pytest
from django.db import connection

from accounts.models import Account, Partner
from audit import selects


@pytest.mark.django_db
def test_instances_equal_what_the_orm_loads(make):
    partner = make.partner(domains=["a.example", "b.example"])
    account = make.account(partner)
    sql = (
        f"SELECT {selects.columns(Account, 'a')}, {selects.columns(Partner, 'p')}"
        f" FROM {Account._meta.db_table} a JOIN {Partner._meta.db_table} p"
        " ON p.id = a.partner_id WHERE a.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [selects.param(Account, "id", account.pk)])
        loaded_account, loaded_partner = selects.instances((Account, Partner), cursor.fetchone())
    expected = Account.objects.select_related("partner").get(pk=account.pk)
    for field in Account._meta.concrete_fields:
        assert getattr(loaded_account, field.attname) == getattr(expected, field.attname)
    assert loaded_partner.permitted_domains == ["a.example", "b.example"]  # JSON decoded
    assert loaded_account._state.adding is False and loaded_account._state.db == "default"
