"""CORS headers of the Admin API, as Supabase Auth sends them, so browser apps using auth-js
can call /auth/v1 from their own origin.

Any origin may call: every request is authorised by a bearer token in a header, never by a
cookie, so `Access-Control-Allow-Origin: *` (which browsers never combine with credentials)
lets no other site act with a visitor's ambient authority.
"""

from django.http import HttpResponseBase

ALLOWED_HEADERS = (
    "Authorization, Apikey, Content-Type, X-Client-Info, X-Supabase-Api-Version, X-Request-ID"
)
EXPOSED_HEADERS = "X-Total-Count, Link, X-Sb-Error-Code, X-Supabase-Api-Version, Retry-After"


def add_cors_headers(response: HttpResponseBase) -> None:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response["Access-Control-Max-Age"] = "600"
