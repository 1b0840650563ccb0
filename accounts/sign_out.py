"""Signing a user out of every session held for them, wherever it is held.

Sessions live in an app above accounts (supabase_api's AuthSession), which the lower layers may
not import; a flow that must end them (magiclinks.flows.claim) calls `end_sessions`, which sends
`sign_out_everywhere`, and each app holding sessions revokes its own and answers how many (its
receiver runs in the caller's transaction, like any signal receiver).
"""

from typing import Any

from django.dispatch import Signal

from audit.actors import Actor

# Sent with: user, reason (for the audit), actor. Receivers return the number they revoked.
sign_out_everywhere = Signal()


def end_sessions(user: Any, *, reason: str, actor: Actor) -> int:
    """Revoke every session of `user`; returns how many were revoked in all."""
    answers = sign_out_everywhere.send(sender=type(user), user=user, reason=reason, actor=actor)
    return sum(count for _receiver, count in answers if isinstance(count, int))
