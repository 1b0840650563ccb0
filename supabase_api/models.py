"""Admin API sessions: one AuthSession per sign-in, with a chain of rotating refresh tokens; and
the PKCE flow states that lead to a session (FlowState).

Refresh tokens are stored only as SHA-256 digests. Each use rotates the token (the old one is
marked used and a child is issued); presenting a used token again after the reuse interval is
treated as theft and revokes the whole session, as Supabase Auth does (supabase_api.sessions).

The models were defined in `accounts` until issue 12; their tables keep the names they had
(`Meta.db_table`), so moving them here moved no data (migrations accounts.0002 and
supabase_api.0001 change Django's state only).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuthSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_sessions"
    )
    # How the session was started (Supabase's "amr" method: "otp" for every email link or code).
    method = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    class Meta:
        db_table = "accounts_authsession"
        indexes = [models.Index(fields=["user", "-created_at"], name="authsession_user_recent")]

    def __str__(self) -> str:
        return f"session {self.id} of {self.user_id}"


class RefreshToken(models.Model):
    session = models.ForeignKey(AuthSession, on_delete=models.CASCADE, related_name="tokens")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_refreshtoken"

    def __str__(self) -> str:
        return f"refresh token {self.pk} of {self.session_id}"


class FlowState(models.Model):
    """A PKCE flow (RFC 7636) started by /otp, /recover, /signup, /resend or an email change with
    a `code_challenge`: when its link is verified in the browser, /verify redirects with an auth
    code instead of the session, and POST /token?grant_type=pkce exchanges that code plus the
    verifier for the session (supabase/auth models.FlowState).

    The auth code is stored only as its SHA-256 digest (it is a bearer secret for its short
    life); it is issued at verification, expires FLOW_STATE_EXPIRY_SECONDS later and is used at
    most once (`used_at`, set by a conditional UPDATE)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pkce_flow_states"
    )
    link = models.OneToOneField(
        "magiclinks.LoginLink", on_delete=models.CASCADE, related_name="pkce_flow_state"
    )
    code_challenge = models.CharField(max_length=128)
    code_challenge_method = models.CharField(max_length=8)  # "s256" or "plain"
    # The session's amr method, set when the code is issued (magiclink, otp, recovery, …).
    authentication_method = models.CharField(max_length=32, blank=True)
    # NULL until the code is issued: several flows may be waiting at once, and a unique column
    # admits many NULLs but only one empty string.
    auth_code_digest = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    auth_code_issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"PKCE flow {self.id} of {self.user_id}"
