"""`Idempotency-Key` on Partner API POSTs, with Stripe's semantics.

The first request with a key runs inside one transaction that also inserts the key's row
(partner, key, hash of method + path + body); its response (status and body; not a 400, 429 or
5xx, see NOT_STORED) is stored on that row before the commit. So either the request's effects
and its stored response commit together, or neither does (a 5xx or a crash leaves no row: the
retry runs anew).

A duplicate sent while the first is running blocks on PostgreSQL's unique index (the insert
waits for the first transaction to end), at most IDEMPOTENCY_WAIT_SECONDS (lock_timeout), then:
- the first committed: the stored response is replayed, byte for byte, with the same status and
  an `Idempotent-Replayed: true` header; nothing runs again (no second link, email or event);
- the first is still running: 409 IDEMPOTENCY_KEY_IN_PROGRESS (nothing written);
- the stored row is for another method, path or body: 422 IDEMPOTENCY_KEY_REUSED.
A row past its expiry is taken over by the next request with that key (the insert updates it)
and deleted by the hourly beat task. Stored bodies are encrypted (the project's Fernet helper,
their own purpose label): a generated link's URL is a live secret.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from ..models import IdempotencyRecord
from ..notifications.crypto import fernet_for
from .errors import ApiError

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
KEY_MAX_LENGTH = 255
_PURPOSE = b"linkgate.partner_api.idempotent-responses"
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired
# As Stripe: a request refused before it ran is not kept, so the client may fix and resend it
# with the same key: 400 (invalid JSON or field) and 429 (a limit: "try again later" must not be
# replayed for a day). Every other answer below 500 (201, 404, 409…) is kept and replayed.
NOT_STORED = frozenset({400, 429})


@dataclass
class Claim:
    """The row this request inserted; its response is stored by `store()`."""

    record_id: int


class Replay(Exception):
    """Raised from the view's initial(): answer with the stored response."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("idempotent replay")
        self.response = response


def requested(request: Request) -> bool:
    return request.method == "POST" and META_KEY in request.META


def _key(request: Request) -> str:
    key = request.META[META_KEY]
    if not key or len(key) > KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "The request is invalid.",
            {"fields": {HEADER: [f"Must be 1 to {KEY_MAX_LENGTH} printable ASCII characters."]}},
        )
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)  # length-prefixed: no ambiguity
    return digest.hexdigest()


def _insert(partner_id: int, key: str, digest: str) -> int | None:
    """Insert (or take over an expired row); the new row's id, or None when a live row exists."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        # Raw SQL: the ORM has no INSERT … ON CONFLICT DO UPDATE … WHERE (take over an expired
        # row only). The table name comes from the model, every value is a parameter.
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the model's table name, no input)
            "(partner_id, key, request_hash, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (partner_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
            "status_code = NULL, encrypted_response = NULL, created_at = EXCLUDED.created_at, "
            f"expires_at = EXCLUDED.expires_at WHERE {table}.expires_at <= EXCLUDED.created_at "
            "RETURNING id",
            [partner_id, key, digest, now, expires_at],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _insert_waiting(partner_id: int, key: str, digest: str) -> int | None:
    """_insert, waiting at most IDEMPOTENCY_WAIT_SECONDS for a concurrent request with the key."""
    if connection.vendor != "postgresql":
        return _insert(partner_id, key, digest)  # SQLite: one writer at a time anyway
    try:
        with transaction.atomic():  # a savepoint: a lock timeout undoes only this
            with connection.cursor() as cursor:
                wait_ms = int(settings.IDEMPOTENCY_WAIT_SECONDS * 1000)
                cursor.execute(f"SET LOCAL lock_timeout = {wait_ms}")
            record_id = _insert(partner_id, key, digest)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
            return record_id
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_IN_PROGRESS",
            "A request with this Idempotency-Key is still being processed. Retry shortly.",
        ) from exc


def _replay(record: IdempotencyRecord) -> HttpResponse:
    stored = json.loads(fernet_for(_PURPOSE).decrypt(bytes(record.encrypted_response)))
    response = HttpResponse(
        stored["body"].encode(), status=record.status_code, content_type=stored["content_type"]
    )
    response["Idempotent-Replayed"] = "true"
    return response


def begin(request: Request, partner_id: int) -> Claim:
    """Claim the key for this request, or raise Replay / ApiError (409, 422). Call inside the
    transaction that will run the request (PartnerApiView.dispatch opens it)."""
    key = _key(request)
    digest = request_hash(request.method, request.path, request.body)
    record_id = _insert_waiting(partner_id, key, digest)
    if record_id is not None:
        return Claim(record_id)
    record = IdempotencyRecord.objects.get(partner_id=partner_id, key=key)
    if record.request_hash != digest:
        raise ApiError(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used with a different request.",
        )
    raise Replay(_replay(record))


def store(claim: Claim, response: HttpResponse) -> None:
    """Keep `response` on the claimed row (same transaction), unless it is not to be replayed
    (NOT_STORED, 5xx): then the key's row is rolled back with the request, so a retry runs."""
    if response.status_code >= 500 or response.status_code in NOT_STORED:
        transaction.set_rollback(True)  # nothing of this request stays, not even the key
        return
    if hasattr(response, "render"):
        response.render()  # DRF responses render lazily; the stored bytes are the ones sent
    sealed = fernet_for(_PURPOSE).encrypt(
        json.dumps(
            {"body": response.content.decode(), "content_type": response["Content-Type"]}
        ).encode()
    )
    IdempotencyRecord.objects.filter(pk=claim.record_id).update(
        status_code=response.status_code, encrypted_response=sealed
    )


def purge(now=None) -> int:
    """Delete rows past their expiry; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


@shared_task(name="magiclinks.partner_api.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Beat task: stored responses are kept IDEMPOTENCY_KEY_TTL_SECONDS, then deleted."""
    return purge()
