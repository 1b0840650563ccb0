"""Finding or creating the person behind an email address for a partner's account.

Users are global (one row per email address), so a partner must not be able to attach, and then
mint login links for, somebody it does not already serve: that would let any partner sign in as
any person known to the service, staff included. An existing user is therefore reused only when
they are already on one of this partner's accounts, or when nobody has taken them up yet (see
magiclinks.flows.claim: unconfirmed, never signed in, on no account), in which case they are
claimed and wiped; otherwise the address is refused (EmailInUse). Staff and superusers
(accounts.protection) are always refused. Names of a served person are not overwritten by the
partner.
"""

from dataclasses import dataclass

from accounts.models import Membership, Partner, User
from accounts.protection import is_protected
from audit.actors import Actor

from .claim import claim_user, is_claimable, lock_user
from .errors import EmailInUse


@dataclass(frozen=True)
class PersonInput:
    """A person a partner puts on an account, as its edge validated them: `email` normalized,
    names within the contract's bounds; `notify` emails them their first link."""

    email: str
    first_name: str
    last_name: str
    notify: bool = True


def person_for_partner(
    partner: Partner, *, actor: Actor, email: str, first_name: str, last_name: str
) -> User:
    """The user with `email` if this partner serves them (or may claim them), else a new user.

    Call inside the caller's transaction (the new row, or the claim, is rolled back with it)."""
    existing = User.objects.filter(email=email).first()
    if existing is None:
        return User.objects.create_user(email, first_name=first_name, last_name=last_name)
    # Security: refusing is what stops cross-tenant (or staff) account takeover via partner links.
    if is_protected(existing):
        raise EmailInUse()
    if Membership.objects.filter(user=existing, account__partner=partner).exists():
        return existing
    # Checked again under the row lock: a concurrent claim by another partner, or a /verify that
    # confirms the address, commits first and makes the user unclaimable.
    locked = lock_user(existing)
    if not is_claimable(locked):
        raise EmailInUse()
    return claim_user(locked, partner, actor=actor, first_name=first_name, last_name=last_name)
