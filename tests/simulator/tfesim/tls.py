"""Throwaway TLS material for serving HTTPS: a private CA and a server certificate
for 127.0.0.1 and localhost signed by it, made at test time.

Needs the ``cryptography`` package (ansible-core depends on it); it is imported
only here and only when called, so the simulator stays standard-library only
when it serves plain HTTP.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path
from typing import Any, NamedTuple, Sequence, Union

DEFAULT_HOSTS = ("127.0.0.1", "localhost")


class TlsFiles(NamedTuple):
    """Paths written by :func:`make_self_signed`."""

    cert: Path  # server certificate followed by the CA: pass with key to --tls-cert/--tls-key
    key: Path  # the server's private key (mode 0600)
    ca: Path  # the CA certificate alone: what clients trust (ca_path, REQUESTS_CA_BUNDLE, verify=)


def make_self_signed(directory: Union[str, Path], hosts: Sequence[str] = DEFAULT_HOSTS, days: int = 30) -> TlsFiles:
    """Write ``ca.pem``, ``cert.pem`` and ``key.pem`` into ``directory`` (created if missing).

    The CA and the server certificate are separate, with the extensions strict
    verifiers (Python 3.13's default context, OpenSSL 3) insist on, so clients
    can verify exactly as against a real installation with a private CA.
    """
    try:
        # pylint: disable=import-outside-toplevel
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:
        raise RuntimeError("generating a certificate needs the cryptography package (pip install cryptography)") from exc

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)

    def builder(subject: str, issuer: str, public_key: Any) -> Any:
        return (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = "tfesim test CA"
    ca_cert = (builder(ca_name, ca_name, ca_key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))

    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (builder(hosts[0], ca_name, server_key.public_key())
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                   .sign(ca_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    files = TlsFiles(folder / "cert.pem", folder / "key.pem", folder / "ca.pem")
    files.ca.write_bytes(ca_cert.public_bytes(pem))
    files.cert.write_bytes(server_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    key_bytes = server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(str(files.key), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    return files
