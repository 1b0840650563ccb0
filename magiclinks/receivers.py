"""What magiclinks does when a user changes (accounts.user_changes sends, magiclinks listens,
because accounts may not import magiclinks).

A changed email address or password invalidates every open link of the user, reason
`user_changed`, audited, in the transaction that saved the change. Links already emailed went to
the old address (whoever reads that mailbox must not sign in as the user any more), and a new
password is often set precisely because somebody else had access: a reset or login link still in
an inbox would undo it. The link being redeemed in the same transaction (the email_change link,
the reset link) is already used and so not touched.
"""

from typing import Any

from django.dispatch import receiver

from accounts.user_changes import CREDENTIALS, user_security_changed
from audit.actors import Actor

from .flows.issue import invalidate_open_links
from .models import InvalidationReason


@receiver(user_security_changed, dispatch_uid="magiclinks.retire_links_of_changed_user")
def retire_links_of_changed_user(
    sender: type, *, user: Any, changes: frozenset, actor: Actor, **kwargs: Any
) -> None:
    changed = sorted(changes & CREDENTIALS)
    if changed:
        invalidate_open_links(
            user=user,
            actor=actor,
            reason=InvalidationReason.USER_CHANGED,
            details={"changed": changed},
        )
