"""National cryptography primitives used by the kernel, through ``cryptography`` (OpenSSL).

* SM3 hashes (audit chain, file fingerprints where national crypto is required);
* SM3-HMAC for blind indexes of personal identifiers (exact-match lookup without plaintext);
* SM4-GCM (authenticated encryption) for personal data at rest.

Keys never live in the database: they come from ``YIWANG_PII_KEY`` or are generated once into
``<data dir>/keys/pii.key``.
"""

from __future__ import annotations

import base64
import functools
import hmac as py_hmac
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

from yiwang.conf import ConfigError, create_once

_NONCE_BYTES = 12
_TAG_BYTES = 16
#: Version prefix of the ciphertext format, so keys and formats can rotate later.
_FORMAT = "s4g1"


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


@dataclass(frozen=True)
class PiiKeys:
    """An SM4 key (16 bytes) for encryption and an HMAC key (32 bytes) for blind indexes."""

    key_id: str
    enc_key: bytes
    mac_key: bytes

    @classmethod
    def from_hex(cls, material: str, source: str) -> PiiKeys:
        try:
            raw = bytes.fromhex(material.strip())
        except ValueError:
            raise ConfigError(source, "expected 96 hexadecimal characters") from None
        if len(raw) != 48:
            raise ConfigError(source, f"expected 96 hexadecimal characters, got {len(raw) * 2}")
        # The key id names the key without revealing it: the first 8 hex digits of its SM3.
        return cls(key_id=sm3_hex(raw)[:8], enc_key=raw[:16], mac_key=raw[16:])


@functools.cache
def pii_keys() -> PiiKeys:
    configured: str = settings.YIWANG_PII_KEY
    if configured:
        return PiiKeys.from_hex(configured, "YIWANG_PII_KEY")
    path = settings.DATA_DIR / "keys" / "pii.key"
    material = create_once(path, lambda: secrets.token_hex(48).encode()).decode()
    return PiiKeys.from_hex(material, str(path))


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed SM3 HMAC of ``value`` for exact-match lookup; ``purpose`` separates domains so
    the same number in two fields gets two different indexes."""
    mac = c_hmac.HMAC(pii_keys().mac_key, hashes.SM3())
    mac.update(purpose.encode() + b"\x00" + value.encode())
    return mac.finalize().hex()


def encrypt(plaintext: str, *, purpose: str) -> str:
    """SM4-GCM encrypt; ``purpose`` is bound as associated data (a ciphertext copied into
    another field will not decrypt)."""
    keys = pii_keys()
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(keys.enc_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(purpose.encode())
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{_FORMAT}:{keys.key_id}:{blob}"


class DecryptionError(ValueError):
    pass


def decrypt(token: str, *, purpose: str) -> str:
    keys = pii_keys()
    try:
        fmt, key_id, blob = token.split(":", 2)
    except ValueError:
        raise DecryptionError("not a Yiwang ciphertext") from None
    if fmt != _FORMAT:
        raise DecryptionError(f"unknown ciphertext format {fmt!r}")
    if not py_hmac.compare_digest(key_id, keys.key_id):
        raise DecryptionError(f"ciphertext was made with key {key_id}, not the current key")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(keys.enc_key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(purpose.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag:
        raise DecryptionError("ciphertext failed authentication") from None
