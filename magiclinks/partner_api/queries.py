"""Read-side queries of the Partner API, always scoped to the calling partner (tenancy)."""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Prefetch, QuerySet

from accounts.authentication import key_from_row, key_select, key_width
from accounts.models import (
    Account,
    Membership,
    MembershipRole,
    Partner,
    PartnerApiKey,
    User,
    normalize_email_address,
)
from audit import selects

from ..models import LoginLink

MAX_ID = 2**63 - 1  # larger path ids cannot exist and would overflow PostgreSQL's bigint


def _memberships() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("user").order_by("created_at", "pk"),
    )


@cache
def _account_sql() -> str:
    # Written once per process (audit.selects): compiling the select_related query of the same
    # shape costs three times what running it costs.
    # The partner is the caller's (authenticated with its key): not read again.
    quote = connection.ops.quote_name
    table = {model: quote(model._meta.db_table) for model in (Membership, User, Account)}
    return (
        f"SELECT {selects.columns(Membership, 'm')}, {selects.columns(User, 'u')},"  # noqa: S608
        f" {selects.columns(Account, 'a')}"
        f" FROM {table[Membership]} m JOIN {table[User]} u ON u.id = m.user_id"
        f" JOIN {table[Account]} a ON a.id = m.account_id"
        " WHERE m.account_id = %s AND a.partner_id = %s ORDER BY m.created_at, m.id"
    )


def partner_account(partner: Partner, account_id: int) -> Account | None:
    """The partner's account with this id, or None (also for another partner's account), with
    its partner and its memberships (and their users) loaded.

    One statement: the memberships joined to their user, account and partner (every endpoint
    under /accounts/{id} starts here). An account without members (which the flows never leave
    behind) falls back to the account's own query. Nothing is locked: the flows that change
    the account's links lock what they need themselves (magiclinks.flows.issue)."""
    if not 0 < account_id <= MAX_ID:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _account_sql(),
            [
                selects.param(Account, "id", account_id),
                selects.param(Account, "partner", partner.pk),
            ],
        )
        rows = cursor.fetchall()
    if not rows:
        return (
            Account.objects.select_related("partner")
            .prefetch_related(_memberships())
            .filter(partner=partner, pk=account_id)
            .first()
        )
    member_width = selects.width(Membership) + selects.width(User)
    (account,) = selects.instances((Account,), rows[0][member_width:])  # the same in every row
    return _with_members(account, partner, [row[:member_width] for row in rows])


def _with_members(account: Account, partner: Partner, member_rows: list) -> Account:
    """`account` with its partner and, from rows of `columns(Membership), columns(User)`, its
    memberships and their users, stored as prefetch_related would store them."""
    account.partner = partner
    memberships = []
    for row in member_rows:
        membership, user = selects.instances((Membership, User), row)
        membership.user, membership.account = user, account  # one account, as prefetch leaves
        memberships.append(membership)
    # What prefetch_related stores: the related manager's queryset with its results filled in.
    cached = account.memberships.all()
    cached._result_cache, cached._prefetch_done = memberships, True
    account._prefetched_objects_cache = {Account.memberships.rel.cache_name: cached}
    return account


@dataclass(frozen=True)
class LoadedAccount:
    """What the authentication read with the key (authentication.py): the account asked for by
    id, the key's partner's (None: it has none of that id)."""

    account_id: int
    account: Account | None


@cache
def _pk_index(model) -> int:
    return model._meta.concrete_fields.index(model._meta.pk)


@cache
def _key_and_account_sql() -> str:
    # Written once per process. The account is joined on the key's partner: another partner's
    # account is not found, as partner_account's WHERE has it.
    quote = connection.ops.quote_name
    table = {model: quote(model._meta.db_table) for model in (Account, Membership, User)}
    return (
        key_select(
            f", {selects.columns(Account, 'a')}, {selects.columns(Membership, 'm')},"
            f" {selects.columns(User, 'u')}",
            f" LEFT JOIN {table[Account]} a ON a.id = %s AND a.partner_id = k.partner_id"
            f" LEFT JOIN {table[Membership]} m ON m.account_id = a.id"
            f" LEFT JOIN {table[User]} u ON u.id = m.user_id",
        )
        + " ORDER BY m.created_at, m.id"
    )


def key_and_account(digest: str, account_id: int) -> tuple[PartnerApiKey | None, Account | None]:
    """The key with this digest (with its partner) and its partner's account `account_id` (as
    partner_account loads it), in one statement; (None, None) when there is no such key."""
    wanted = selects.param(Account, "id", account_id) if 0 < account_id <= MAX_ID else None
    with connection.cursor() as cursor:
        cursor.execute(_key_and_account_sql(), [wanted, digest])
        rows = cursor.fetchall()
    if not rows:
        return None, None
    key, start = key_from_row(rows[0]), key_width()
    partner = key.partner
    account_width = selects.width(Account)
    account_columns = rows[0][start : start + account_width]
    if account_columns[_pk_index(Account)] is None:  # no account of that id for this partner
        return key, None
    (account,) = selects.instances((Account,), account_columns)
    member_rows = [row[start + account_width :] for row in rows]
    if member_rows[0][_pk_index(Membership)] is None:  # no members (the flows never leave that)
        return key, partner_account(partner, account_id)
    return key, _with_members(account, partner, member_rows)


def partner_accounts(
    partner: Partner, *, status: str | None = None, email: str | None = None
) -> QuerySet[Account]:
    """The partner's accounts, newest first, filtered by status and any member's email."""
    accounts = Account.objects.filter(partner=partner)
    if status:
        accounts = accounts.filter(status=status)
    if email:
        accounts = accounts.filter(memberships__user__email=normalize_email_address(email))
    return accounts.prefetch_related(_memberships()).order_by("-created_at", "-pk").distinct()


def primary_membership(account: Account) -> Membership | None:
    """From the prefetched memberships (no query)."""
    return next((m for m in account.memberships.all() if m.role == MembershipRole.PRIMARY), None)


def account_links(
    account: Account, *, status: str | None = None, user_email: str | None = None
) -> QuerySet[LoginLink]:
    links = LoginLink.objects.filter(account=account).select_related("user")
    if status:
        links = links.with_status_in(status)
    if user_email:
        links = links.filter(user__email=normalize_email_address(user_email))
    return links.order_by("-created_at", "-pk")


def account_link(account: Account, link_id: str) -> LoginLink | None:
    return LoginLink.objects.select_related("user").filter(account=account, pk=link_id).first()
