"""PKCE (RFC 7636) for the emailed links, as Supabase Auth does it (supabase/auth
internal/api/pkce.go, token.go `PKCE`, models/flow_state.go).

1. A request that emails a link (/otp, /recover, /signup, /resend, PUT /user with a new email)
   carries `code_challenge` + `code_challenge_method`: `start_flow` stores them beside the link.
2. When that link is verified in the browser (/verify), `issue_auth_code` gives the flow a fresh
   auth code instead of a session; the browser is sent to `redirect_to?code=<auth code>`.
3. POST /token?grant_type=pkce with `auth_code` + `code_verifier`: `exchange` checks the code
   (unknown or used: flow_state_not_found; older than FLOW_STATE_EXPIRY_SECONDS:
   flow_state_expired), then the verifier against the challenge (bad_code_verifier, which, as
   upstream, does not use up the code), and starts the session.

The challenge's form is checked at the edge (supabase_api.serializers.pkce_challenge).
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import keys
from accounts.protection import is_protected
from magiclinks.models import LoginLink

from ..models import FlowState
from ..sessions import IssuedSession, start_session
from .errors import BadCodeVerifier, FlowStateExpired, FlowStateNotFound, PkceUserBanned

S256 = "s256"
PLAIN = "plain"
CHALLENGE_METHODS = (S256, PLAIN)
_AUTH_CODE_BYTES = 32


@dataclass(frozen=True)
class PkceChallenge:
    """A validated challenge: 43–128 unreserved characters, and its method (lower case)."""

    challenge: str
    method: str


def start_flow(link: LoginLink, challenge: PkceChallenge) -> FlowState:
    """Record the challenge for `link` (call inside the transaction that issues the link)."""
    return FlowState.objects.create(
        user_id=link.user_id,
        link=link,
        code_challenge=challenge.challenge,
        code_challenge_method=challenge.method,
    )


def issue_auth_code(link: LoginLink, *, method: str) -> str | None:
    """The auth code for the PKCE flow of a link just redeemed, or None for an implicit link.

    Runs inside the verify transaction: the code exists if and only if the link was consumed.
    Only the digest is stored."""
    flow = FlowState.objects.filter(link=link, auth_code_digest=None, used_at=None).first()
    if flow is None:
        return None
    code = secrets.token_urlsafe(_AUTH_CODE_BYTES)
    FlowState.objects.filter(pk=flow.pk).update(
        auth_code_digest=keys.digest_key(code),
        auth_code_issued_at=timezone.now(),
        authentication_method=method,
    )
    return code


def verifier_matches(flow: FlowState, verifier: str) -> bool:
    """RFC 7636 §4.6, compared in constant time (the challenge is not secret, but a verifier
    comparison should never leak how much of it matched)."""
    if flow.code_challenge_method == S256:
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        expected = verifier
    return hmac.compare_digest(expected.encode(), flow.code_challenge.encode())


def exchange(auth_code: str, code_verifier: str) -> IssuedSession:
    """POST /token?grant_type=pkce: the session for a valid auth code and its verifier."""
    now = timezone.now()
    with transaction.atomic():
        # Locked, and re-read with used_at IS NULL: of two simultaneous exchanges of one code,
        # the second waits for the first and then finds nothing (single use).
        flow = (
            FlowState.objects.select_for_update()
            .select_related("user")
            .filter(auth_code_digest=keys.digest_key(auth_code), used_at=None)
            .first()
        )
        if flow is None or not keys.digests_match(flow.auth_code_digest, auth_code):
            raise FlowStateNotFound()
        expiry = timedelta(seconds=settings.FLOW_STATE_EXPIRY_SECONDS)
        if flow.auth_code_issued_at + expiry < now:
            raise FlowStateExpired()
        if not verifier_matches(flow, code_verifier):
            raise BadCodeVerifier()
        user = flow.user
        # Security: as for refresh tokens, a user made staff (or deactivated) since the link was
        # sent gets no Admin API session: the code is answered as unknown.
        if is_protected(user) or not user.is_active:
            raise FlowStateNotFound()
        if user.is_banned:
            raise PkceUserBanned()
        FlowState.objects.filter(pk=flow.pk).update(used_at=now)
        return start_session(user, method=flow.authentication_method or "otp")
