"""Typed refusals of the account and partner-link flows.

A flow that raises one leaves nothing written: it refuses before its first write, or inside its
transaction, which the refusal rolls back. Each API maps them to its own wire format at its edge
(the Partner API in one table, magiclinks.partner_api.errors.FLOW_ERRORS), the admin to a message
(magiclinks.staff.outcomes). They carry no HTTP status and messages never contain secrets.
"""


class FlowError(Exception):
    """Base class: `message` is safe to show to the caller."""

    message = "The request cannot be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class AccountSuspended(FlowError):
    message = "This account is suspended; login links cannot be generated for it."


class UserNotOnAccount(FlowError):
    message = "No user with this email address is on the account."


class UserNotEligible(FlowError):
    """The user is staff or a superuser (accounts.protection): no partner link is issued for
    them, whoever asks (a partner, a support agent, the fresh-link form)."""

    message = "Login links cannot be generated for this user."


class InvalidRedirect(FlowError):
    """redirect_url failed accounts.redirects.validate_partner_redirect (message says why)."""


class AccountExists(FlowError):
    message = "This partner already has an account whose primary user has this email address."


class UserExists(FlowError):
    message = "A user with this email address is already on the account."


class EmailInUse(FlowError):
    message = (
        "This email address belongs to a person outside this partner's accounts and cannot be "
        "added by the Partner API."
    )


class PrimaryUserMissing(FlowError):
    message = "The account has no primary user."
