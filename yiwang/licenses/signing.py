"""What a licence version's signature covers, how it is made and checked, and the QR payload
printed on the document.

Canonical data: a JSON object with sorted keys, ``ensure_ascii=False``, separators ``(",",
":")``, UTF-8, holding the identifier, type code, issuer code, holder name, kind and
identification (credit code or ID number), the licence data, validity and version number.
The issuing department's issuer key (a kernel ``SigningKey`` of owner type
``license_issuer``) signs it with SM2 (SM3, the default user id).

QR payload: ``YWL1.<identifier>.<signature>``, the signature as unpadded base64url of its
DER bytes. The identifier holds dots but base64url never does, so the last dot separates
them. It is verified against the stored version: the signature must be that version's
signature over its canonical data, recomputed from what is stored now.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from yiwang.kernel import services as kernel
from yiwang.kernel import sm2
from yiwang.kernel.crypto import sm3_hex
from yiwang.kernel.keystore import key_store
from yiwang.kernel.models import SigningKey

OWNER_TYPE = "license_issuer"
QR_PREFIX = "YWL1."


def canonical(
    *,
    identifier: str,
    type_code: str,
    issuer_code: str,
    holder_kind: str,
    holder_name: str,
    holder_id: str,
    data: dict[str, Any],
    valid_from: dt.date,
    valid_until: dt.date | None,
    version: int,
) -> bytes:
    content = {
        "identifier": identifier,
        "type_code": type_code,
        "issuer_code": issuer_code,
        "holder_kind": holder_kind,
        "holder_name": holder_name,
        "holder_id": holder_id,
        "data": data,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "version": version,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(canonical_bytes: bytes) -> str:
    return sm3_hex(canonical_bytes)


def issuer_key(*, actor: Any, department_code: str) -> SigningKey:
    """The department's issuer key, made on first use."""
    key: SigningKey | None = (
        SigningKey.objects.filter(
            owner_type=OWNER_TYPE, owner_id=department_code, disabled_at__isnull=True
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if key is None:
        key = kernel.create_signing_key(
            actor=actor, owner_type=OWNER_TYPE, owner_id=department_code
        )
    return key


def sign(key: SigningKey, canonical_bytes: bytes) -> str:
    """DER signature, hex."""
    return key_store().sign(key, canonical_bytes).hex()


@functools.lru_cache(maxsize=1024)
def _public_key(point_hex: str) -> sm2.PublicKey:
    # Loading a point costs about as much as a verification: issuers are few, keep them.
    return sm2.PublicKey.from_point(bytes.fromhex(point_hex))


def signature_valid(key: SigningKey, signature: bytes, canonical_bytes: bytes) -> bool:
    if key.algorithm != "sm2":
        return False
    try:
        return _public_key(key.public_key).verify(signature, canonical_bytes)
    except ValueError:
        return False


def qr_payload(identifier: str, signature_hex: str) -> str:
    sig = base64.urlsafe_b64encode(bytes.fromhex(signature_hex)).rstrip(b"=").decode()
    return f"{QR_PREFIX}{identifier}.{sig}"


def qr_link(payload: str) -> str:
    """What a licence's QR code holds: its verification page on this platform, carrying the
    payload, so any phone camera opens the answer (``YIWANG_PUBLIC_URL``)."""
    from django.conf import settings

    return f"{settings.YIWANG_PUBLIC_URL}/verify/license/?qr={quote(payload, safe='')}"


def _from_link(text: str) -> str:
    """The payload a verification link carries (the text itself when it is not a link)."""
    if not text.lower().startswith(("http://", "https://")):
        return text
    values = parse_qs(urlsplit(text).query).get("qr", [])
    return values[0] if values else ""


@dataclass(frozen=True)
class QrContent:
    identifier: str
    signature: bytes


def parse_qr(payload: str) -> QrContent | None:
    """The identifier and signature a QR payload (or the verification link that carries it)
    holds; None when it is not one of ours."""
    payload = _from_link((payload or "").strip()[:1000]).strip()
    if not payload.startswith(QR_PREFIX) or len(payload) > 400:
        return None
    identifier, _, sig = payload[len(QR_PREFIX) :].rpartition(".")
    if not identifier or not sig:
        return None
    try:
        signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        return None
    return QrContent(identifier=identifier.upper(), signature=signature)
