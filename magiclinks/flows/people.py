"""Finding or creating the person behind an email address for a partner's account.

Users are global (one row per email address), so a partner must not be able to attach, and then
mint login links for, somebody it does not already serve: that would let any partner sign in as
any person known to the service, staff included. An existing user is therefore reused only when
they are already on one of this partner's accounts; otherwise the address is refused
(EmailInUse). Names of a reused person are not overwritten by the partner.
"""

from accounts.models import Membership, Partner, User
from accounts.protection import is_protected

from .errors import EmailInUse


def person_for_partner(partner: Partner, *, email: str, first_name: str, last_name: str) -> User:
    """The user with `email` if this partner already serves them, else a new user.

    Call inside the caller's transaction (the new row is rolled back with it)."""
    existing = User.objects.filter(email=email).first()
    if existing is None:
        return User.objects.create_user(email, first_name=first_name, last_name=last_name)
    served = Membership.objects.filter(user=existing, account__partner=partner).exists()
    # Security: refusing is what stops cross-tenant (or staff) account takeover via partner links.
    if not served or is_protected(existing):
        raise EmailInUse()
    return existing
