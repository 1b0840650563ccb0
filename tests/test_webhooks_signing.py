"""webhooks.signing: secrets, sealing with the project's Fernet helper (its own purpose, key
rotation), and the Linkgate-Signature header (HMAC over "t.body", 5-minute replay window)."""

import hashlib
import hmac
import time

import pytest
from cryptography.fernet import InvalidToken

from magiclinks.notifications import crypto
from webhooks import signing


def test_new_secrets_are_random_and_prefixed():
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and len(first) == 6 + 43 and first != second


def test_the_header_is_hmac_sha256_of_timestamp_dot_body():
    header = signing.sign("whsec_k", b'{"a":1}', 1700000000)
    expected = hmac.new(b"whsec_k", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_fresh_and_refuses_tampered_wrong_or_old():
    now = int(time.time())
    header = signing.sign("whsec_k", b"body", now)
    assert signing.verify("whsec_k", b"body", header)
    assert not signing.verify("whsec_k", b"body!", header)
    assert not signing.verify("whsec_other", b"body", header)
    assert not signing.verify("whsec_k", b"body", signing.sign("whsec_k", b"body", now - 301))
    assert not signing.verify("whsec_k", b"body", signing.sign("whsec_k", b"body", now + 301))
    assert not signing.verify("whsec_k", b"body", "t=x,v1=y")
    assert not signing.verify("whsec_k", b"body", "")


def test_sealed_secrets_open_after_a_key_rotation_and_not_with_the_outbox_key(settings):
    sealed = signing.seal("whsec_abc")
    assert b"whsec_abc" not in sealed and signing.unseal(sealed) == "whsec_abc"
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
        "n" * 30 + "ew-key-0123456789abcdefghij",
        [old_key],
    )
    assert signing.unseal(sealed) == "whsec_abc"
    # Another purpose (the email outbox) cannot open it: each purpose has its own key.
    with pytest.raises(ValueError):
        crypto.unseal(sealed)
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        signing.unseal(sealed)


def test_the_outbox_purpose_is_reserved():
    with pytest.raises(ValueError):
        crypto.fernet_for(b"linkgate.notifications.outbox")


def test_a_secret_in_a_log_line_is_redacted():
    from config.logging import redact

    secret = signing.new_secret()
    assert redact(f"endpoint secret {secret} shown") == "endpoint secret [redacted] shown"
