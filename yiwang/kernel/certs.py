"""X.509 certificates signed through the key store, for SM2 and ECDSA P-256 keys.

``cryptography`` builds certificates only with private keys it holds, and it has no SM2; our
private keys stay in the key store (``yiwang.kernel.keystore``). So a certificate is assembled
here with ``asn1crypto`` (RFC 5280's TBSCertificate) and its DER signed by the store:

* SM2 keys: ``SubjectPublicKeyInfo`` with ``id-ecPublicKey`` on curve ``sm2p256v1``
  (1.2.156.10197.1.301), signature algorithm SM2-with-SM3 (1.2.156.10197.1.501, GM/T 0015),
  signed with the default SM2 user id, as ``openssl`` verifies it;
* ECDSA keys: curve P-256, ``ecdsa-with-SHA256`` — what ordinary PDF readers check (PAdES).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from asn1crypto import algos, core, keys, pem, x509

from yiwang.kernel import sm2
from yiwang.kernel.keystore import ECDSA_P256, SM2, key_store, public_key_der, verify_with
from yiwang.kernel.models import SigningKey

SM2_WITH_SM3 = "1.2.156.10197.1.501"
ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
_SIGNATURE_OIDS = {SM2: SM2_WITH_SM3, ECDSA_P256: ECDSA_WITH_SHA256}


class CertificateError(ValueError):
    """A certificate that cannot be read or does not chain to the expected issuer."""


@dataclass(frozen=True)
class Name:
    """A distinguished name: common name, organisation, country (CN, O, C)."""

    common_name: str
    organization: str = ""
    country: str = "CN"

    def asn1(self) -> x509.Name:
        attrs: dict[str, str] = {"country_name": self.country}
        if self.organization:
            attrs["organization_name"] = self.organization
        attrs["common_name"] = self.common_name
        return x509.Name.build(attrs, use_printable=False)


def _algorithm(key: SigningKey) -> algos.SignedDigestAlgorithm:
    oid = _SIGNATURE_OIDS.get(key.algorithm)
    if oid is None:
        raise CertificateError(f"no certificate signature algorithm for {key.algorithm!r}")
    return algos.SignedDigestAlgorithm({"algorithm": oid})


def issue(
    *,
    subject: Name,
    subject_key: SigningKey,
    issuer: Name,
    issuer_key: SigningKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool = False,
    serial: int | None = None,
) -> bytes:
    """A DER certificate for ``subject_key``, signed by ``issuer_key`` (the same row and name
    for a self-signed root). A CA certificate may sign certificates; an end-entity one signs
    documents (digital signature, non-repudiation)."""
    if subject_key.algorithm != issuer_key.algorithm:
        raise CertificateError("subject and issuer keys must use the same algorithm")
    spki = keys.PublicKeyInfo.load(public_key_der(subject_key))
    usage = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    extensions = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": ca},
        },
        {"extn_id": "key_usage", "critical": True, "extn_value": usage},
        {
            "extn_id": "key_identifier",
            "critical": False,
            "extn_value": core.OctetString(sm2.sm3(spki["public_key"].native)[:20]),
        },
    ]
    if not ca:
        extensions.append(
            {
                "extn_id": "extended_key_usage",
                "critical": False,
                # id-kp-documentSigning (RFC 9336)
                "extn_value": ["1.3.6.1.5.5.7.3.36"],
            }
        )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial if serial is not None else secrets.randbits(120) | 1,
            "signature": _algorithm(issuer_key),
            "issuer": issuer.asn1(),
            "validity": {
                "not_before": x509.Time({"utc_time": not_before.astimezone(dt.UTC)}),
                "not_after": x509.Time({"utc_time": not_after.astimezone(dt.UTC)}),
            },
            "subject": subject.asn1(),
            "subject_public_key_info": spki,
            "extensions": extensions,
        }
    )
    signature = key_store().sign(issuer_key, tbs.dump())
    certificate = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": _algorithm(issuer_key),
            "signature_value": signature,
        }
    )
    return bytes(certificate.dump())


def to_pem(der: bytes) -> str:
    return str(pem.armor("CERTIFICATE", der).decode())


def load(data: bytes | str) -> x509.Certificate:
    raw = data.encode() if isinstance(data, str) else data
    try:
        if pem.detect(raw):
            _, _, raw = pem.unarmor(raw)
        cert = x509.Certificate.load(raw)
        cert.native  # noqa: B018 — parse everything now, so a damaged one fails here
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateError(f"not a certificate: {exc}") from None
    return cert


def signed_by(cert: x509.Certificate, issuer_key: SigningKey) -> bool:
    """Whether ``cert``'s signature is ``issuer_key``'s over its TBSCertificate."""
    expected = _SIGNATURE_OIDS.get(issuer_key.algorithm)
    if cert["signature_algorithm"]["algorithm"].dotted != expected:
        return False
    return verify_with(issuer_key, cert["signature_value"].native, cert["tbs_certificate"].dump())


def public_key_point(cert: x509.Certificate) -> bytes:
    """The certificate's EC public key as an uncompressed point (04 || x || y)."""
    return bytes(cert["tbs_certificate"]["subject_public_key_info"]["public_key"].native)


def fingerprint(der: bytes) -> str:
    """SM3 of the DER, hex: how a seal record names its certificate."""
    return sm2.sm3(der).hex()
