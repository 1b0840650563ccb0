"""The JSON parser of both APIs: DRF's, plus a bound on nesting depth.

Security: a body of `[` × 100,000 made the decoder raise RecursionError, which no error handler
expects, so both APIs answered 500, unauthenticated on /auth/v1/verify. Here any nesting deeper
than MAX_JSON_DEPTH is a ParseError, which each API answers in its own format (400 `bad_json` /
`INVALID_JSON`), so nothing downstream (serializers, `storable`, the JSON encoder) ever sees a
value deep enough to exhaust the stack either.

Why catching RecursionError is sound here: CPython's decoder (the C scanner and the pure-Python
fallback alike) checks the recursion limit on every nested array or object and raises
RecursionError before the C stack is at risk; the exception unwinds the decoder's own frames,
and decoding has no side effects, so once it is caught the interpreter is exactly as it was
before the call. The `try` wraps the decoder only, never view code. Bodies the decoder accepts
are walked once more, iteratively (no recursion of our own), to refuse the depths between
MAX_JSON_DEPTH and the recursion limit; the walk costs less than decoding did (measured on 1 MB
bodies: 15-50 % of json.loads) and bodies are at most DATA_UPLOAD_MAX_MEMORY_SIZE
(config.middleware). A pre-scan of the raw text would cost a Python-level step per character.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Generous for any real body (user_metadata included); matches supabase_api.storable.
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"


def too_deep(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects in `value` nest deeper than `limit`: iterative, level by level.
    Empty containers are dropped while they cannot exceed the limit, so a wide body costs one
    type check per value (less than the decoder's own work on it)."""
    level = [value] if type(value) in (dict, list) else []
    depth = 1
    while level:
        if depth > limit:
            return True
        keep_empty = depth + 1 > limit  # an empty container one level down would be too deep
        below = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                # json.loads builds exact dicts and lists, so `type() is` is enough and fastest.
                if (type(child) is list or type(child) is dict) and (child or keep_empty):
                    below.append(child)
        level = below
        depth += 1
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser; nesting deeper than MAX_JSON_DEPTH is a ParseError, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if too_deep(data):
            raise ParseError(TOO_DEEP)
        return data
