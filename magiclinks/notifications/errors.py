"""Send failures: which ones are worth retrying, and how to describe one without a secret.

An ESP's error text can quote parts of the request, so before an error is stored on the row or
logged, every form of the link secret, its URL and the code is cut out of it.
"""

from smtplib import SMTPRecipientsRefused
from urllib.parse import quote

from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailUnsupportedFeature,
)

from config.logging import redact

ERROR_TEXT_MAX = 500
# 4xx answers that a later attempt can cure: bad credentials (the operator fixes them), timeouts
# and rate limits. Any other 4xx means this message will never be accepted.
_RETRYABLE_STATUS = {401, 403, 408, 409, 425, 429}


def is_permanent(exc: BaseException) -> bool:
    """True when retrying the same message cannot succeed (bad address, refused recipient...)."""
    if isinstance(
        exc,
        AnymailRecipientsRefused
        | AnymailInvalidAddress
        | AnymailUnsupportedFeature
        | SMTPRecipientsRefused,
    ):
        return True
    status = getattr(exc, "status_code", None)
    return (
        isinstance(exc, AnymailAPIError)
        and isinstance(status, int)
        and 400 <= status < 500
        and status not in _RETRYABLE_STATUS
    )


def describe(exc: BaseException, *, hide: list[str | None]) -> str:
    """`Type: message` with every string in `hide` (and its URL-quoted form) removed."""
    text = f"{type(exc).__name__}: {exc}"
    for value in filter(None, hide):
        for form in {value, quote(value, safe=""), quote(value)}:
            text = text.replace(form, "[redacted]")
    return redact(text)[:ERROR_TEXT_MAX]
