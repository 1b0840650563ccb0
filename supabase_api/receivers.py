"""What the Admin API does when a user changes or must be signed out everywhere (accounts sends
the signals; the layer above listens, because nothing below may import supabase_api).

- `accounts.user_changes.user_security_changed` with `deactivated` or `banned`: the user's Admin
  API sessions are revoked, so their refresh tokens are dead even after the ban ends. The access
  tokens they already hold are refused at every request anyway
  (supabase_api.sessions.authenticate_access_token); revoking the sessions makes the withdrawal
  stick: lifting a ban or reactivating a user does not bring old tokens back.
- `accounts.sign_out.sign_out_everywhere` (e.g. a partner claiming a user, magiclinks.flows.
  claim): every session of the user is revoked, and the count is the receiver's answer.
"""

from typing import Any

from django.dispatch import receiver

from accounts.sign_out import sign_out_everywhere
from accounts.user_changes import ACCESS_WITHDRAWN, BANNED, user_security_changed
from audit.actors import Actor

from .sessions import revoke_all_sessions


@receiver(user_security_changed, dispatch_uid="supabase_api.end_sessions_of_withdrawn_user")
def end_sessions_of_withdrawn_user(
    sender: type, *, user: Any, changes: frozenset, actor: Actor, **kwargs: Any
) -> None:
    withdrawn = changes & ACCESS_WITHDRAWN
    if withdrawn:
        reason = "banned" if BANNED in withdrawn else "deactivated"
        revoke_all_sessions(user, reason=reason, actor=actor)


@receiver(sign_out_everywhere, dispatch_uid="supabase_api.end_all_sessions")
def end_all_sessions(sender: type, *, user: Any, reason: str, actor: Actor, **kwargs: Any) -> int:
    return revoke_all_sessions(user, reason=reason, actor=actor)
