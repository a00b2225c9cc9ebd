"""Signing keys at rest: the key store, where private keys live and sign.

A module never holds a private key. It asks the kernel's services for a key
(``create_signing_key``), keeps the :class:`~yiwang.kernel.models.SigningKey` row (public key,
fingerprint), and signs through ``key_store().sign(key, message)``. Verification needs only the
public key (``public_key_of(key)``), anywhere.

The seam: :class:`KeyStore` is a Protocol. :class:`LocalKeyStore` (the default) generates keys
with Tongsuo and keeps the private value in ``SigningKey.private_key`` as SM4-GCM ciphertext
under a key from the data dir (``<data dir>/keys/keystore.key``) or ``YIWANG_KEYSTORE_KEY``.
A hardware security module would be another class with the same two methods: ``generate``
makes the pair inside the device and stores its label in ``private_key``; ``sign`` hands the
device the digest ``e`` (``yiwang.kernel.sm2.signed_digest``) and returns its DER signature.
``YIWANG_KEY_STORE`` names the class; each row records which store made it.
"""

from __future__ import annotations

import base64
import functools
import hmac
import os
import secrets
from typing import ClassVar, Protocol

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.utils.module_loading import import_string

from yiwang.conf import ConfigError, create_once
from yiwang.kernel import sm2
from yiwang.kernel.models import SigningKey

_NONCE_BYTES = 12
_TAG_BYTES = 16
#: Version prefix of the wrapped-key format, so the wrapping can change later.
_FORMAT = "k4g1"
#: The algorithms a store makes keys for: SM2 (national; seals, licences) and ECDSA P-256 with
#: SHA-256 (for PAdES signatures ordinary PDF readers can check).
SM2 = "sm2"
ECDSA_P256 = "ecdsa-p256"
ALGORITHMS = (SM2, ECDSA_P256)


class KeyUnavailable(Exception):
    """The key cannot sign: disabled, made by another store, or its ciphertext does not open
    with this store's key (wrong data dir or ``YIWANG_KEYSTORE_KEY``)."""


class KeyStore(Protocol):
    #: The value of ``SigningKey.store`` for the keys this store makes.
    name: ClassVar[str]

    def generate(self, *, owner_type: str, owner_id: str, algorithm: str = SM2) -> SigningKey:
        """Make a key pair for the owner and save its row (in the caller's transaction)."""
        ...

    def sign(
        self, key: SigningKey, message: bytes, *, user_id: bytes = sm2.DEFAULT_USER_ID
    ) -> bytes:
        """A DER signature by ``key`` over ``message`` (SM2 with SM3 and ``user_id``, or
        ECDSA with SHA-256, by the key's algorithm); raises :class:`KeyUnavailable`."""
        ...


@functools.cache
def key_store() -> KeyStore:
    """The configured store (``YIWANG_KEY_STORE``)."""
    store_class = import_string(settings.YIWANG_KEY_STORE)
    store: KeyStore = store_class()
    return store


def public_key_of(key: SigningKey) -> sm2.PublicKey:
    """The SM2 public key of an SM2 row."""
    if key.algorithm != SM2:
        raise ValueError(f"signing key {key.fingerprint[:16]} is {key.algorithm}, not SM2")
    return sm2.PublicKey.from_point(bytes.fromhex(key.public_key))


def ecdsa_public_key_of(key: SigningKey) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of an ECDSA row."""
    if key.algorithm != ECDSA_P256:
        raise ValueError(f"signing key {key.fingerprint[:16]} is {key.algorithm}, not ECDSA")
    return ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), bytes.fromhex(key.public_key)
    )


def public_key_der(key: SigningKey) -> bytes:
    """The SubjectPublicKeyInfo DER of any row (for certificates)."""
    if key.algorithm == SM2:
        return public_key_of(key).der()
    from cryptography.hazmat.primitives import serialization

    return ecdsa_public_key_of(key).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verify_with(
    key: SigningKey, signature: bytes, message: bytes, *, user_id: bytes = sm2.DEFAULT_USER_ID
) -> bool:
    """Whether ``signature`` is ``key``'s over ``message``, whatever its algorithm."""
    if key.algorithm == SM2:
        return public_key_of(key).verify(signature, message, user_id=user_id)
    try:
        ecdsa_public_key_of(key).verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- The local store. ---


@functools.cache
def wrapping_key() -> bytes:
    """The local store's SM4 key: ``YIWANG_KEYSTORE_KEY`` or ``<data dir>/keys/keystore.key``."""
    configured: str = settings.YIWANG_KEYSTORE_KEY
    if configured:
        return bytes.fromhex(configured)
    path = settings.DATA_DIR / "keys" / "keystore.key"
    material = create_once(path, lambda: secrets.token_hex(16).encode()).decode().strip()
    try:
        raw = bytes.fromhex(material)
    except ValueError:
        raise ConfigError(str(path), "expected 32 hexadecimal characters") from None
    if len(raw) != 16:
        raise ConfigError(str(path), "expected 32 hexadecimal characters")
    return raw


def _key_id(wrap: bytes) -> str:
    # Names the wrapping key without revealing it, as the PII key id does.
    return sm2.sm3(b"yiwang.keystore\x00" + wrap).hex()[:8]


def _associated_data(owner_type: str, owner_id: str, fingerprint: str) -> bytes:
    # Binds the ciphertext to its row: copied into another row, it does not open.
    return f"yiwang.signing-key\x00{owner_type}\x00{owner_id}\x00{fingerprint}".encode()


def _wrap(wrap: bytes, scalar: bytes, aad: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(wrap), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(scalar) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{_FORMAT}:{_key_id(wrap)}:{blob}"


@functools.lru_cache(maxsize=256)
def _unwrap(wrap: bytes, token: str, aad: bytes) -> bytes:
    """Decrypt and load a private key. Cached: loading costs a point multiplication, as much
    as a signature; the cache holds keys this process has already opened."""
    try:
        fmt, key_id, blob = token.split(":", 2)
    except ValueError:
        raise KeyUnavailable("not a wrapped signing key") from None
    if fmt != _FORMAT:
        raise KeyUnavailable(f"unknown wrapped-key format {fmt!r}")
    if not hmac.compare_digest(key_id, _key_id(wrap)):
        raise KeyUnavailable(f"the key was wrapped with key {key_id}, not this store's key")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(wrap), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        scalar = decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise KeyUnavailable("the wrapped key failed authentication") from None
    return scalar


@functools.lru_cache(maxsize=256)
def _sm2_private(scalar: bytes) -> sm2.PrivateKey:
    return sm2.PrivateKey.from_scalar(scalar)


@functools.lru_cache(maxsize=256)
def _ecdsa_private(scalar: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())


def _ecdsa_point(public: ec.EllipticCurvePublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class LocalKeyStore:
    """Keys in the database, encrypted with SM4-GCM under the data dir's key store key."""

    name: ClassVar[str] = "local"

    def generate(self, *, owner_type: str, owner_id: str, algorithm: str = SM2) -> SigningKey:
        if algorithm == SM2:
            private = sm2.PrivateKey.generate()
            point, scalar = private.public_key.point, private.scalar()
        elif algorithm == ECDSA_P256:
            ecdsa = ec.generate_private_key(ec.SECP256R1())
            point = _ecdsa_point(ecdsa.public_key())
            scalar = ecdsa.private_numbers().private_value.to_bytes(32, "big")
        else:
            raise ValueError(f"unknown key algorithm {algorithm!r}")
        fingerprint = sm2.sm3(point).hex()
        aad = _associated_data(owner_type, owner_id, fingerprint)
        return SigningKey.objects.create(
            owner_type=owner_type,
            owner_id=owner_id,
            algorithm=algorithm,
            public_key=point.hex(),
            fingerprint=fingerprint,
            store=self.name,
            private_key=_wrap(wrapping_key(), scalar, aad),
        )

    def sign(
        self, key: SigningKey, message: bytes, *, user_id: bytes = sm2.DEFAULT_USER_ID
    ) -> bytes:
        if key.disabled_at is not None:
            raise KeyUnavailable(f"signing key {key.fingerprint[:16]} is disabled")
        if key.store != self.name:
            raise KeyUnavailable(f"signing key {key.fingerprint[:16]} is in store {key.store!r}")
        aad = _associated_data(key.owner_type, key.owner_id, key.fingerprint)
        scalar = _unwrap(wrapping_key(), key.private_key, aad)
        if key.algorithm == ECDSA_P256:
            ecdsa = _ecdsa_private(scalar)
            if sm2.sm3(_ecdsa_point(ecdsa.public_key())).hex() != key.fingerprint:
                raise KeyUnavailable("the wrapped key does not match the row's public key")
            return ecdsa.sign(message, ec.ECDSA(hashes.SHA256()))
        private = _sm2_private(scalar)
        if private.public_key.fingerprint() != key.fingerprint:
            raise KeyUnavailable("the wrapped key does not match the row's public key")
        return private.sign(message, user_id=user_id)
