"""What accounts does when a user changes (accounts.user_changes): a user who is deactivated or
banned loses their Admin API sessions, so their refresh tokens are dead even after the ban ends.

The access tokens they already hold are refused at every request anyway
(accounts.gotrue.sessions.authenticate_access_token); revoking the sessions makes the withdrawal
stick: lifting a ban or reactivating a user does not bring old tokens back.
"""

from typing import Any

from django.dispatch import receiver

from audit.actors import Actor

from .gotrue.sessions import revoke_all_sessions
from .user_changes import ACCESS_WITHDRAWN, BANNED, user_security_changed


@receiver(user_security_changed, dispatch_uid="accounts.end_sessions_of_withdrawn_user")
def end_sessions_of_withdrawn_user(
    sender: type, *, user: Any, changes: frozenset, actor: Actor, **kwargs: Any
) -> None:
    withdrawn = changes & ACCESS_WITHDRAWN
    if withdrawn:
        reason = "banned" if BANNED in withdrawn else "deactivated"
        revoke_all_sessions(user, reason=reason, actor=actor)
