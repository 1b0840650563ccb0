"""A logging filter that keeps link secrets and API keys out of every log line.

Link secrets travel in URL paths and query strings (that is how links work), so any log line
that quotes a request path could carry one. Rather than trusting every logger to be careful, the
console handler passes each record through this filter, which replaces anything shaped like one
of our secrets with a placeholder.
"""

import logging
import re

import pythonjsonlogger.json

# 43-character base64url link secrets, prefixed API/service keys and webhook secrets, and 6-digit
# OTP parameters.
_SECRET_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"),
    re.compile(r"\b(?:15th|lgsk|whsec)_[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?i)(token|token_hash|refresh_token|otp)=[^&\s\"']+"),
]


def redact(text: str) -> str:
    """Return text with every secret-shaped substring replaced."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: f"{m.group(1)}=[redacted]" if m.lastindex else "[redacted]", text
        )
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites the formatted message of each record with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line (python-json-logger), `LOG_FORMAT=json`. The whole line is
    redacted, not only the message: fields passed as `extra` (the request log's) are checked too,
    so a secret can never ride into the logs through a field."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
