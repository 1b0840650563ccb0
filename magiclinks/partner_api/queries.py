"""Read-side queries of the Partner API, always scoped to the calling partner (tenancy)."""

from django.db.models import Prefetch, QuerySet

from accounts.models import Account, Membership, MembershipRole, Partner, normalize_email_address

from ..models import LoginLink

MAX_ID = 2**63 - 1  # larger path ids cannot exist and would overflow PostgreSQL's bigint


def _memberships() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("user").order_by("created_at", "pk"),
    )


def partner_account(partner: Partner, account_id: int) -> Account | None:
    """The partner's account with this id, or None (also for another partner's account), with
    its partner and its memberships (and their users) loaded.

    One statement: the memberships joined to their user, account and partner (every endpoint
    under /accounts/{id} starts here). An account without members (which the flows never leave
    behind) falls back to the account's own query."""
    if not 0 < account_id <= MAX_ID:
        return None
    memberships = list(
        Membership.objects.select_related("user", "account__partner")
        .filter(account_id=account_id, account__partner=partner)
        .order_by("created_at", "pk")
    )
    if not memberships:
        return (
            Account.objects.select_related("partner")
            .prefetch_related(_memberships())
            .filter(partner=partner, pk=account_id)
            .first()
        )
    account = memberships[0].account
    for membership in memberships:
        membership.account = account  # one instance, as prefetch_related would leave it
    # What prefetch_related stores: the related manager's queryset with its results filled in.
    cached = account.memberships.all()
    cached._result_cache, cached._prefetch_done = memberships, True
    account._prefetched_objects_cache = {Account.memberships.rel.cache_name: cached}
    return account


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
