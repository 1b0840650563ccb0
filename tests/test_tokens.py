"""magiclinks.tokens: secret entropy and format, digests, OTP MACs."""

import base64
import hashlib
import string

from hypothesis import given
from hypothesis import strategies as st

from magiclinks import tokens


def test_secret_is_43_char_base64url_of_32_random_bytes():
    secret = tokens.new_secret()
    assert len(secret) == 43
    assert set(secret) <= set(string.ascii_letters + string.digits + "-_")
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32


def test_secrets_do_not_repeat_and_use_the_whole_alphabet():
    many = [tokens.new_secret() for _ in range(2000)]
    assert len(set(many)) == len(many)
    # 2000 × 43 characters from a 64-symbol alphabet: every symbol shows up.
    assert len(set("".join(many))) == 64


def test_hashed_token_is_sha256_hex_and_the_stored_digest_is_a_hash_of_it():
    sha256_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert tokens.hashed_token("abc") == sha256_abc
    assert tokens.stored_digest(sha256_abc) == hashlib.sha256(sha256_abc.encode()).hexdigest()
    assert tokens.digest("abc") == tokens.stored_digest(sha256_abc) != sha256_abc


def test_otp_check_without_link_computes_a_mac_and_never_matches():
    assert tokens.otp_check_without_link("123456") is False
    assert tokens.otp_check_without_link("not a code") is False


def test_parse_secret_accepts_only_the_exact_shape():
    secret = tokens.new_secret()
    assert tokens.parse_secret(secret) == secret
    for bad in [secret[:-1], secret + "A", secret[:-1] + "=", secret[:-1] + "/", "", None, 42]:
        assert tokens.parse_secret(bad) is None


@given(st.text(max_size=100))
def test_parse_secret_never_accepts_what_is_not_a_secret(candidate):
    parsed = tokens.parse_secret(candidate)
    if parsed is not None:
        assert len(parsed) == 43 and set(parsed) <= set(string.ascii_letters + string.digits + "-_")


@given(st.one_of(st.text(max_size=80), st.none(), st.integers(), st.binary(max_size=80)))
def test_parse_digest_only_returns_lowercase_hex_digests(candidate):
    parsed = tokens.parse_digest(candidate)
    assert parsed is None or (len(parsed) == 64 and set(parsed) <= set("0123456789abcdef"))


def test_otp_is_six_digits_and_varies():
    codes = {tokens.new_otp() for _ in range(500)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 450


def test_otp_mac_is_keyed_and_bound_to_the_link(settings):
    mac = tokens.otp_mac("link-1", "123456")
    assert tokens.otp_matches(mac, "link-1", "123456")
    assert not tokens.otp_matches(mac, "link-1", "123457")
    assert not tokens.otp_matches(mac, "link-2", "123456")
    assert not tokens.otp_matches(mac, "link-1", "12345")
    assert not tokens.otp_matches(mac, "link-1", None)
    # The MAC is not a bare hash: it changes with the server secret.
    settings.SECRET_KEY = "another-secret-key-another-secret-key-another-secret"
    assert tokens.otp_mac("link-1", "123456") != mac
