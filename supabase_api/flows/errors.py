"""Typed refusals of the Admin API flows and sessions.

Subclasses of magiclinks' `FlowError`: the message is safe to show and never holds a secret.
They say what went wrong in the domain's terms; `supabase_api.errors.FLOW_ERRORS` says which
GoTrue status and error code a client receives for each (one table, at the API's edge).
"""

from magiclinks.flows.errors import FlowError
from magiclinks.flows.redeem import RedeemFailure


class EmailExists(FlowError):
    """The address belongs to another user (or to a staff member, who is invisible here)."""

    message = "A user with this email address has already been registered"


class UserNotFound(FlowError):
    """No such user, or a staff member or superuser (accounts.protection)."""

    message = "User not found"


class NoUserWithEmail(UserNotFound):
    """A link that needs an existing user (recovery, email change) for an unknown address."""

    message = "User with this email not found"


class SignupNeedsPassword(FlowError):
    message = "Signup requires a valid password"


class WeakPassword(FlowError):
    """Refused by Django's password validators; `reasons` in Supabase's terms."""

    def __init__(self, message: str, reasons: list[str]) -> None:
        super().__init__(message)
        self.reasons = reasons


class SamePassword(FlowError):
    """PUT /user with the password the user already has (upstream's ErrorCodeSamePassword)."""

    message = "New password should be different from the old password."


class SignupDisabled(FlowError):
    """Upstream's refusal (supabase/auth `Signup`: ErrorCodeSignupDisabled)."""

    message = "Signups not allowed for this instance"


class VerifyFailed(FlowError):
    """A link or code that cannot be used; `failure` is the redeem failure (for the audit)."""

    message = "Token has expired or is invalid"

    def __init__(self, failure: RedeemFailure | None = None) -> None:
        super().__init__()
        self.failure = failure

    @staticmethod
    def of(failure: RedeemFailure | None) -> "VerifyFailed":
        if failure == RedeemFailure.DISABLED:
            return LinkUserBanned(failure)
        # One answer for unknown, used, expired, invalidated, wrong and protected (a staff
        # member's link): nothing to learn.
        return VerifyFailed(failure)


class LinkUserBanned(VerifyFailed):
    message = "User is banned"


class InvalidJwt(FlowError):
    """A token whose signature, expiry or audience fails (the message says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid JWT: unable to parse or verify signature, {reason}")


class NotAdmin(FlowError):
    """A valid JWT of a role that may not administer users."""

    message = "User not allowed"


class RefreshTokenNotFound(FlowError):
    message = "Invalid Refresh Token: Refresh Token Not Found"


class RefreshTokenReused(FlowError):
    message = "Invalid Refresh Token: Already Used"


class RefreshUserBanned(FlowError):
    message = "Invalid Refresh Token: User Banned"


class SessionNotFound(FlowError):
    message = "Session from session_id claim in JWT does not exist"


class SessionUserGone(FlowError):
    """The session's user is now staff or superuser: to the Admin API, they do not exist."""

    message = "User from sub claim in JWT does not exist"


class SessionUserBanned(FlowError):
    message = "User is banned"


# ---- End-user flows (issue 14): sign-up, password sign-in, PKCE, resend, reauthentication.


class UserAlreadyRegistered(FlowError):
    """POST /signup for a confirmed address while MAILER_AUTOCONFIRM is on (upstream answers the
    obfuscated user only when a confirmation email would have been sent)."""

    message = "User already registered"


class InvalidCredentials(FlowError):
    """One answer for an unknown address, a wrong password, no password at all, a staff member,
    a deactivated user and (by default) an unconfirmed address: nothing to learn."""

    message = "Invalid login credentials"


class EmailNotConfirmed(FlowError):
    """Upstream's answer to a correct password for an unconfirmed address (opt-in here:
    PASSWORD_SIGN_IN_REVEALS_UNCONFIRMED)."""

    message = "Email not confirmed"


class PasswordUserBanned(FlowError):
    message = "User is banned"


class FlowStateNotFound(FlowError):
    """An auth code never issued, already exchanged, or whose user is gone."""

    message = "invalid flow state, no valid flow state found"


class FlowStateExpired(FlowError):
    message = "invalid flow state, flow state has expired"


class BadCodeVerifier(FlowError):
    message = "code challenge does not match previously saved code verifier"


class PkceUserBanned(FlowError):
    message = "User is banned"


class PhoneProviderDisabled(FlowError):
    """sms and phone_change: this service has no phone provider (upstream's answer when the
    phone provider is off)."""

    message = "Phone logins are disabled"


class ReauthenticationEmailNotConfirmed(FlowError):
    message = "Please verify your email first."


class ReauthenticationNeeded(FlowError):
    message = "Password update requires reauthentication"


class ReauthenticationNotValid(FlowError):
    message = "Nonce has expired or is invalid"
