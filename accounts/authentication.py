"""DRF authentication for Partner API keys: `Authorization: Bearer 15th_…`.

The key is looked up by its SHA-256 digest (unique index) and compared in constant time; the
plaintext never reaches the database or a log line. A key is refused when it is malformed,
unknown, revoked, belongs to a deactivated partner (all 401 INVALID_API_KEY: a caller learns
nothing about which) or has expired (401 EXPIRED_API_KEY, as the contract asks).
`last_used_at` is refreshed at most once a minute with a conditional UPDATE, so authenticating
does not cost a write per request.
"""

import re
from functools import cache

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from audit import selects

from . import keys
from .key_services import touch_last_used
from .models import Partner, PartnerApiKey

# The prefix plus base64url; generous bounds so older or imported keys still parse, while
# anything else is refused before it is hashed or looked up.
_KEY_SHAPE = re.compile(r"^15th_[A-Za-z0-9_-]{20,128}$")


class InvalidApiKey(exceptions.AuthenticationFailed):
    default_detail = "The API key is missing, malformed, unknown or revoked."
    default_code = "INVALID_API_KEY"


class ExpiredApiKey(exceptions.AuthenticationFailed):
    default_detail = "The API key has expired."
    default_code = "EXPIRED_API_KEY"


KEY_MODELS = (PartnerApiKey, Partner)


@cache
def key_select(more_columns: str = "", more_joins: str = "") -> str:
    """`SELECT` the key (alias k) and its partner (p) `WHERE k.key_digest = %s`, with more columns
    and joins when a caller reads more in the same statement (the Partner API's account).
    Written once per process (audit.selects): compiling the ORM's select_related query for it
    cost more than running it (docs/performance.md)."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {selects.columns(PartnerApiKey, 'k')}, {selects.columns(Partner, 'p')}"  # noqa: S608
        f"{more_columns} FROM {quote(PartnerApiKey._meta.db_table)} k"
        f" JOIN {quote(Partner._meta.db_table)} p ON p.id = k.partner_id{more_joins}"
        " WHERE k.key_digest = %s"
    )


def key_from_row(row: tuple) -> PartnerApiKey:
    """The key, with its partner, from the first columns of a `key_select` row."""
    key, partner = selects.instances(KEY_MODELS, row[: key_width()])
    key.partner = partner
    return key


@cache
def key_width() -> int:
    """How many columns of a `key_select` row are the key's and its partner's."""
    return sum(selects.width(model) for model in KEY_MODELS)


def _presented_key(request: Request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not _KEY_SHAPE.match(credentials.strip()):
        raise InvalidApiKey()
    return credentials.strip()


class PartnerKeyAuthentication(BaseAuthentication):
    """Sets `request.auth` to the PartnerApiKey (with its partner). `request.user` is anonymous:
    a key stands for a company, not a person, and must never pass a check meant for users."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, PartnerApiKey]:
        presented = _presented_key(request)
        digest = keys.digest_key(presented)
        key = self.find_key(request, digest)
        # The index lookup already matched the digest; the constant-time comparison keeps the
        # decision itself free of timing differences.
        if key is None or not keys.digests_match(key.key_digest, presented):
            raise InvalidApiKey()
        if key.is_revoked or not key.partner.is_active:
            raise InvalidApiKey()
        if key.is_expired:
            raise ExpiredApiKey()
        touch_last_used(key)
        # For the request log line (config.observability): which partner, never which key.
        request._request.partner_id = key.partner_id
        return (AnonymousUser(), key)

    def find_key(self, request: Request, digest: str) -> PartnerApiKey | None:
        """The key with this digest, with its partner (None: no such key). Checked by the caller:
        revoked, expired, partner deactivated."""
        with connection.cursor() as cursor:
            cursor.execute(key_select(), [digest])
            row = cursor.fetchone()
        return key_from_row(row) if row is not None else None

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) and tells clients which scheme to use.
        return 'Bearer realm="partner-api"'
