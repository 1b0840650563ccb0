"""Whether text from a request can be stored: PostgreSQL refuses NUL characters in text and
jsonb, and unpaired surrogates (legal as JSON escapes and in percent-encoded query strings)
cannot be encoded as UTF-8. Checked up front so such input is a 400, never a 500."""

import re

_SURROGATES = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 64


def storable(value: object, depth: int = 0) -> bool:
    """True when every string (and key) in a JSON value can be stored."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return "\x00" not in value and not _SURROGATES.search(value)
    if isinstance(value, dict):
        return all(storable(k, depth + 1) and storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(item, depth + 1) for item in value)
    return True
