"""Setting a password from the browser: the "permanent credentials" step after a link sign-in,
and the last step of a password reset.

The form is Django's `SetPasswordForm`, so AUTH_PASSWORD_VALIDATORS apply and the hash is made by
the first of PASSWORD_HASHERS (Argon2). Saving, the `credentials.set` audit events and the
invalidation of the user's other open links happen in one transaction.
"""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpRequest

from accounts.models import Membership, User
from accounts.user_changes import changed_by
from audit.actors import Actor
from audit.models import AuditEvent
from audit.recorder import build


def set_password(request: HttpRequest, form: SetPasswordForm, *, method: str) -> User:
    """Save the validated form's password for the signed-in user; returns the user.

    `method` says how they got here (`partner_link`, `password_reset`), for the audit log.
    """
    actor = Actor.user(form.user)
    # A reset or login link still in somebody's inbox would let its holder replace the password
    # that is being chosen: saving it invalidates every open link of the user (`user_changed`,
    # magiclinks.receivers via accounts.user_changes), in this transaction.
    with transaction.atomic(), changed_by(actor):
        user = form.save()
        # A password belongs to the person, not to one account: every account they are on gets
        # the event, so each partner's activity feed shows that its user now has credentials.
        memberships = list(
            Membership.objects.filter(user=user).values_list("account_id", "account__partner_id")
        )
        targets = memberships or [(None, None)]
        AuditEvent.objects.bulk_create(
            build(
                "credentials.set",
                actor=actor,
                partner=partner_id,
                account=account_id,
                user=user,
                details={"method": method},
            )
            for account_id, partner_id in targets
        )
        # Changing the password changes the session hash; keep this session, end the others.
        update_session_auth_hash(request, user)
    return user
