"""Add a person (spouse or additional user) to a partner's account, with a 7-day login link.

The account row is locked so two simultaneous adds of one address end in one membership and
one USER_EXISTS. A suspended account takes no new users (adding one would issue a link).
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Account, Membership, MembershipRole
from audit.actors import Actor
from audit.recorder import record

from ..models import LinkPurpose, NotificationKind
from .conflicts import retry_on_conflict
from .errors import AccountSuspended, UserExists
from .people import PersonInput, person_for_partner
from .welcome import WelcomeLink, issue_welcome_link

# Each account has exactly one primary holder, created with it (create_account); the others.
ADDABLE_ROLES = (MembershipRole.SPOUSE, MembershipRole.ADDITIONAL)


@dataclass(frozen=True)
class AddedUser:
    membership: Membership
    welcome: WelcomeLink


def add_user(
    account: Account,
    person: PersonInput,
    *,
    role: MembershipRole = MembershipRole.ADDITIONAL,
    actor: Actor,
) -> AddedUser:
    """Add `person` with `role` (one of ADDABLE_ROLES); `person.notify` emails the invitation.
    Raises AccountSuspended, UserExists or EmailInUse; writes nothing then.

    A concurrent request creating the same new address (another partner's) makes the insert
    fail; the flow then runs again and decides as a later request would (see .conflicts)."""
    return retry_on_conflict(lambda: _add(account, person, role, actor))


def _add(account: Account, person: PersonInput, role: MembershipRole, actor: Actor) -> AddedUser:
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if locked.is_suspended:
            raise AccountSuspended("This account is suspended; users cannot be added to it.")
        if Membership.objects.filter(account=locked, user__email=person.email).exists():
            raise UserExists()
        user = person_for_partner(
            locked.partner,
            actor=actor,
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
        )
        membership = Membership.objects.create(account=locked, user=user, role=role)
        record(
            "user.added",
            actor=actor,
            partner=locked.partner_id,
            account=locked,
            user=user,
            details={"role": str(role)},
        )
        welcome = issue_welcome_link(
            locked,
            user,
            actor=actor,
            purpose=LinkPurpose.ADDITIONAL_USER,
            notify=person.notify,
            notification_kind=NotificationKind.USER_ADDED,
        )
    return AddedUser(membership=membership, welcome=welcome)
