"""webhooks.transport: the POST goes to the checked address whatever the name resolves to now
(DNS rebinding), carries the name in Host, follows no redirect and reports a refused port."""

import ipaddress
import ssl

from webhooks import transport
from webhooks.targets import Target

from .webhook_receiver import Receiver


def _target(receiver: Receiver, host: str = "hooks.example.invalid") -> Target:
    port = receiver.server.server_port
    return Target("http", host, port, "/in?x=1", ipaddress.ip_address("127.0.0.1"))


def test_the_connection_uses_the_pinned_address_and_the_name_in_host(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    with Receiver() as receiver:
        # The name does not resolve at all: only the pinned address can have been used.
        result = transport.post(_target(receiver), b"{}", {"X-Test": "1"})
    assert result == transport.Result(200, "")
    (request,) = receiver.received
    assert request.path == "/in?x=1"
    assert request.headers["Host"] == f"hooks.example.invalid:{receiver.server.server_port}"
    assert request.headers["User-Agent"] == "Linkgate-Webhooks/1"
    assert request.headers["X-Test"] == "1" and request.body == b"{}"


def test_a_redirect_is_a_failure_and_is_not_followed(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    with Receiver(responses=[302]) as receiver:
        result = transport.post(_target(receiver), b"{}", {})
    assert result == transport.Result(302, "HTTP 302") and not result.ok
    assert len(receiver.received) == 1


def test_a_closed_port_is_a_connection_failure_without_the_url(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    with Receiver() as receiver:
        target = _target(receiver)
    result = transport.post(target, b"{}", {})  # the receiver is closed now
    assert result.status_code is None
    assert result.error.startswith("connection failed") and "example" not in result.error


def _pki(tmp_path, name: str):
    """A test CA and a server certificate for `name` (cryptography), as SSL contexts."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, key, signer, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            # Python 3.13 verifies strictly (VERIFY_X509_STRICT): key identifiers are required.
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
            )
        )
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_cert = certificate("Test CA", "Test CA", ca_key, ca_key, ca=True)
    server_cert = certificate(name, "Test CA", server_key, ca_key, ca=False, san=name)
    pem = serialization.Encoding.PEM
    (tmp_path / "server.pem").write_bytes(server_cert.public_bytes(pem))
    (tmp_path / "server.key").write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    client = ssl.create_default_context(cadata=ca_cert.public_bytes(pem).decode())
    return server, client


def test_https_is_pinned_to_the_address_and_verified_against_the_name(
    settings, tmp_path, monkeypatch
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    server_tls, client_tls = _pki(tmp_path, "hooks.example.test")
    monkeypatch.setattr(transport, "tls_verification", lambda: client_tls)
    with Receiver(tls=server_tls) as receiver:
        port = receiver.server.server_port
        pinned = Target(
            "https", "hooks.example.test", port, "/in", ipaddress.ip_address("127.0.0.1")
        )
        # The name resolves nowhere; the TLS handshake named it (SNI) and the certificate matched.
        assert transport.post(pinned, b"{}", {}) == transport.Result(200, "")
        other = Target(
            "https", "other.example.test", port, "/in", ipaddress.ip_address("127.0.0.1")
        )
        refused = transport.post(other, b"{}", {})  # the certificate is not for this name
    assert refused.status_code is None and refused.error.startswith("connection failed")
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["Host"] == f"hooks.example.test:{port}"
