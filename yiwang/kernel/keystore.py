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

from cryptography.exceptions import InvalidTag
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


class KeyUnavailable(Exception):
    """The key cannot sign: disabled, made by another store, or its ciphertext does not open
    with this store's key (wrong data dir or ``YIWANG_KEYSTORE_KEY``)."""


class KeyStore(Protocol):
    #: The value of ``SigningKey.store`` for the keys this store makes.
    name: ClassVar[str]

    def generate(self, *, owner_type: str, owner_id: str) -> SigningKey:
        """Make a key pair for the owner and save its row (in the caller's transaction)."""
        ...

    def sign(
        self, key: SigningKey, message: bytes, *, user_id: bytes = sm2.DEFAULT_USER_ID
    ) -> bytes:
        """A DER SM2 signature by ``key`` over ``message``; raises :class:`KeyUnavailable`."""
        ...


@functools.cache
def key_store() -> KeyStore:
    """The configured store (``YIWANG_KEY_STORE``)."""
    store_class = import_string(settings.YIWANG_KEY_STORE)
    store: KeyStore = store_class()
    return store


def public_key_of(key: SigningKey) -> sm2.PublicKey:
    return sm2.PublicKey.from_point(bytes.fromhex(key.public_key))


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
def _unwrap(wrap: bytes, token: str, aad: bytes) -> sm2.PrivateKey:
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
    return sm2.PrivateKey.from_scalar(scalar)


class LocalKeyStore:
    """Keys in the database, encrypted with SM4-GCM under the data dir's key store key."""

    name: ClassVar[str] = "local"

    def generate(self, *, owner_type: str, owner_id: str) -> SigningKey:
        private = sm2.PrivateKey.generate()
        public = private.public_key
        fingerprint = public.fingerprint()
        aad = _associated_data(owner_type, owner_id, fingerprint)
        return SigningKey.objects.create(
            owner_type=owner_type,
            owner_id=owner_id,
            algorithm="sm2",
            public_key=public.point.hex(),
            fingerprint=fingerprint,
            store=self.name,
            private_key=_wrap(wrapping_key(), private.scalar(), aad),
        )

    def sign(
        self, key: SigningKey, message: bytes, *, user_id: bytes = sm2.DEFAULT_USER_ID
    ) -> bytes:
        if key.disabled_at is not None:
            raise KeyUnavailable(f"signing key {key.fingerprint[:16]} is disabled")
        if key.store != self.name:
            raise KeyUnavailable(f"signing key {key.fingerprint[:16]} is in store {key.store!r}")
        aad = _associated_data(key.owner_type, key.owner_id, key.fingerprint)
        private = _unwrap(wrapping_key(), key.private_key, aad)
        if private.public_key.fingerprint() != key.fingerprint:
            raise KeyUnavailable("the wrapped key does not match the row's public key")
        return private.sign(message, user_id=user_id)
