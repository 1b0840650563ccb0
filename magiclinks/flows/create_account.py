"""Create a partner's client account with its primary holder and optional spouse.

One transaction: the account, the memberships, a 7-day login link for each person, the optional
emails (outbox rows) and the audit events commit together or not at all. The partner's row is
locked first, so two simultaneous requests with the same primary email cannot both pass the
ACCOUNT_EXISTS check (on SQLite the IMMEDIATE transaction serialises writers anyway).
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Account, Membership, MembershipRole, Partner, User
from audit.actors import Actor
from audit.recorder import record

from ..models import LinkPurpose, NotificationKind
from .conflicts import retry_on_conflict
from .errors import AccountExists, UserExists
from .people import PersonInput, person_for_partner
from .welcome import WelcomeLink, issue_welcome_link


@dataclass(frozen=True)
class CreatedMember:
    user: User
    role: str
    welcome: WelcomeLink


@dataclass(frozen=True)
class CreatedAccount:
    account: Account
    primary: CreatedMember
    spouse: CreatedMember | None


def create_account(
    partner: Partner,
    *,
    actor: Actor,
    primary: PersonInput,
    spouse: PersonInput | None = None,
) -> CreatedAccount:
    """Raises AccountExists, UserExists (spouse = primary) or EmailInUse; writes nothing then.

    Another partner onboarding the same new address at the same moment makes the insert of the
    user fail; the flow then runs again and refuses with EmailInUse (see .conflicts)."""
    if spouse is not None and spouse.email == primary.email:
        raise UserExists("The spouse must have a different email address from the primary user.")
    return retry_on_conflict(lambda: _create(partner, actor=actor, primary=primary, spouse=spouse))


def _create(
    partner: Partner, *, actor: Actor, primary: PersonInput, spouse: PersonInput | None
) -> CreatedAccount:
    with transaction.atomic():
        # Serialise account creation per partner: the duplicate check below must see every
        # account committed before it (race-safe ACCOUNT_EXISTS).
        Partner.objects.select_for_update().filter(pk=partner.pk).values_list("pk").get()
        duplicate = Membership.objects.filter(
            account__partner=partner, role=MembershipRole.PRIMARY, user__email=primary.email
        ).exists()
        if duplicate:
            raise AccountExists()
        people = [(MembershipRole.PRIMARY, primary)] + (
            [(MembershipRole.SPOUSE, spouse)] if spouse else []
        )
        users = [
            (
                role,
                data,
                person_for_partner(
                    partner,
                    actor=actor,
                    email=data.email,
                    first_name=data.first_name,
                    last_name=data.last_name,
                ),
            )
            for role, data in people
        ]
        account = Account.objects.create(partner=partner)
        members = []
        for role, data, user in users:
            Membership.objects.create(account=account, user=user, role=role)
            is_primary = role == MembershipRole.PRIMARY
            record(
                "account.created" if is_primary else "user.added",
                actor=actor,
                partner=partner,
                account=account,
                user=user,
                details={"role": role.value},
            )
            welcome = issue_welcome_link(
                account,
                user,
                actor=actor,
                purpose=LinkPurpose.INITIAL_ACCESS if is_primary else LinkPurpose.ADDITIONAL_USER,
                notify=data.notify,
                notification_kind=NotificationKind.ACCOUNT_CREATED
                if is_primary
                else NotificationKind.USER_ADDED,
            )
            members.append(CreatedMember(user=user, role=role.value, welcome=welcome))
    return CreatedAccount(
        account=account, primary=members[0], spouse=members[1] if len(members) > 1 else None
    )
