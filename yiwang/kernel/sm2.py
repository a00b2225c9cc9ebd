"""SM2 signatures (GB/T 32918.2, GM/T 0009) through Tongsuo, a C library, via ``tongsuopy``.

What the standards fix, and where it happens here:

* the signer's Z value, ``Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)``, with the
  SM2 user id (default ``1234567812345678``, GM/T 0009): :func:`z_value`, in Python over
  ``cryptography``'s SM3, cached per public key and user id;
* the digest signed, ``e = SM3(Z || M)``: :func:`signed_digest`;
* the signature on ``e``, its nonce drawn by Tongsuo from its DRBG seeded by the operating
  system, encoded as GM/T 0009's DER ``SEQUENCE { r INTEGER, s INTEGER }``.

``tongsuopy``'s public ``sign()`` always uses the default user id, so signing and verifying
go one level lower, to the ``EVP_PKEY_sign`` / ``EVP_PKEY_verify`` of its binding, which take
``e`` as computed here. That binding is not a stable API: the version is pinned in
pyproject.toml and the published vectors in tests/kernel/test_sm2.py guard an upgrade.

Private keys are for the key store (``yiwang.kernel.keystore``): nothing outside the kernel
should hold a :class:`PrivateKey`; modules sign through the store.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from tongsuopy.backends.tongsuo.backend import backend as _backend
from tongsuopy.crypto import serialization
from tongsuopy.crypto.asymciphers import ec

#: GM/T 0009's default user id (ENTL 0x0080).
DEFAULT_USER_ID = b"1234567812345678"

_LIB: Any = _backend._lib
_FFI: Any = _backend._ffi
_MAX_SIGNATURE = 72  # DER SEQUENCE of two INTEGERs of at most 33 bytes


@dataclass(frozen=True)
class Curve:
    """The curve parameters that enter the Z value (a, b and the base point), 32 bytes each."""

    a: bytes
    b: bytes
    gx: bytes
    gy: bytes


#: The recommended curve sm2p256v1 (GB/T 32918.5), the only one signatures use.
SM2P256V1 = Curve(
    a=bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"),
    b=bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
    gx=bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
    gy=bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
)


class SM2Error(ValueError):
    """A key or an encoding that cannot be used (not a bad signature: that is ``False``)."""


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def z_value(point: bytes, user_id: bytes = DEFAULT_USER_ID, curve: Curve = SM2P256V1) -> bytes:
    """The signer's Z value for the public key ``point`` (``04 || x || y``, or ``x || y``)."""
    coordinates = point[1:] if len(point) == 65 and point[0] == 4 else point
    if len(coordinates) != 64:
        raise SM2Error("a public key point is 04 || x || y, 65 bytes")
    bits = len(user_id) * 8
    if bits > 0xFFFF:
        raise SM2Error("the SM2 user id is longer than 8191 bytes")
    return sm3(
        bits.to_bytes(2, "big") + user_id + curve.a + curve.b + curve.gx + curve.gy + coordinates
    )


@functools.lru_cache(maxsize=1024)
def _cached_z(point: bytes, user_id: bytes) -> bytes:
    return z_value(point, user_id)


def signed_digest(point: bytes, message: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """``e = SM3(Z || M)``: what an SM2 signature by the key ``point`` actually signs."""
    return sm3(_cached_z(point, user_id) + message)


class PublicKey:
    """An SM2 public key: verifies, and exports as SubjectPublicKeyInfo or ``04 || x || y``."""

    __slots__ = ("_key", "_point")

    def __init__(self, key: Any) -> None:
        if not isinstance(key.curve, ec.SM2):
            raise SM2Error("not an SM2 key")
        self._key = key
        self._point: bytes = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @classmethod
    def from_point(cls, point: bytes) -> PublicKey:
        """From ``04 || x || y`` (65 bytes) or the bare ``x || y`` (64 bytes)."""
        if len(point) == 64:
            point = b"\x04" + point
        if len(point) != 65 or point[0] != 4:
            raise SM2Error("a public key point is 04 || x || y, 65 bytes")
        x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
        try:
            return cls(ec.EllipticCurvePublicNumbers(x, y, ec.SM2()).public_key())
        except ValueError as error:
            raise SM2Error("the point is not on the SM2 curve") from error

    @classmethod
    def from_der(cls, der: bytes) -> PublicKey:
        try:
            return cls(serialization.load_der_public_key(der))
        except (ValueError, AttributeError) as error:
            raise SM2Error("not an SM2 SubjectPublicKeyInfo") from error

    @classmethod
    def from_pem(cls, pem: bytes | str) -> PublicKey:
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            return cls(serialization.load_pem_public_key(data))
        except (ValueError, AttributeError) as error:
            raise SM2Error("not an SM2 public key in PEM") from error

    @property
    def point(self) -> bytes:
        """``04 || x || y``, 65 bytes."""
        return self._point

    def der(self) -> bytes:
        """SubjectPublicKeyInfo (id-ecPublicKey, sm2p256v1), DER."""
        data: bytes = self._key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return data

    def pem(self) -> str:
        data: bytes = self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return data.decode()

    def fingerprint(self) -> str:
        """SM3 of the point, hex: a name for the key that reveals nothing more."""
        return sm3(self._point).hex()

    def verify(self, signature: bytes, message: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bool:
        """True when ``signature`` (DER) is this key's over ``message`` with ``user_id``."""
        digest = signed_digest(self._point, message, user_id)
        ctx = _FFI.gc(_LIB.EVP_PKEY_CTX_new(self._key._evp_pkey, _FFI.NULL), _LIB.EVP_PKEY_CTX_free)
        if ctx == _FFI.NULL or _LIB.EVP_PKEY_verify_init(ctx) != 1:
            _backend._consume_errors()
            raise SM2Error("Tongsuo could not set up SM2 verification")
        ok = _LIB.EVP_PKEY_verify(ctx, signature, len(signature), digest, len(digest)) == 1
        if not ok:
            # A malformed DER signature is a failed verification too, never an exception.
            _backend._consume_errors()
        return bool(ok)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other._point == self._point

    def __hash__(self) -> int:
        return hash(self._point)

    def __repr__(self) -> str:
        return f"<SM2 PublicKey {self.fingerprint()[:16]}>"


class PrivateKey:
    """An SM2 private key. Only the key store holds one (see the module's docstring)."""

    __slots__ = ("_key", "public_key")

    def __init__(self, key: Any) -> None:
        if not isinstance(key.curve, ec.SM2):
            raise SM2Error("not an SM2 key")
        self._key = key
        self.public_key = PublicKey(key.public_key())

    @classmethod
    def generate(cls) -> PrivateKey:
        """A new key pair, from Tongsuo's random generator."""
        return cls(ec.generate_private_key(ec.SM2()))

    @classmethod
    def from_scalar(cls, scalar: bytes) -> PrivateKey:
        """From the 32-byte private value d (what the key store keeps, encrypted)."""
        if len(scalar) != 32:
            raise SM2Error("an SM2 private key is 32 bytes")
        try:
            return cls(ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SM2()))
        except (ValueError, TypeError) as error:
            raise SM2Error("not a valid SM2 private key") from error

    def scalar(self) -> bytes:
        """The private value d, 32 bytes: for the key store to encrypt, nothing else."""
        value: int = self._key.private_numbers().private_value
        return value.to_bytes(32, "big")

    def sign(self, message: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """A DER signature over ``message`` (SM3 with the Z value of ``user_id``)."""
        digest = signed_digest(self.public_key.point, message, user_id)
        ctx = _FFI.gc(_LIB.EVP_PKEY_CTX_new(self._key._evp_pkey, _FFI.NULL), _LIB.EVP_PKEY_CTX_free)
        length = _FFI.new("size_t *", _MAX_SIGNATURE)
        out = _FFI.new("unsigned char[]", _MAX_SIGNATURE)
        if (
            ctx == _FFI.NULL
            or _LIB.EVP_PKEY_sign_init(ctx) != 1
            or _LIB.EVP_PKEY_sign(ctx, out, length, digest, len(digest)) != 1
        ):
            _backend._consume_errors()
            raise SM2Error("Tongsuo could not make an SM2 signature")
        signature: bytes = _FFI.buffer(out)[: length[0]]
        return signature

    def __repr__(self) -> str:
        # Never the private value, not even in a traceback.
        return f"<SM2 PrivateKey of {self.public_key.fingerprint()[:16]}>"


def verify(
    public_key: PublicKey | bytes,
    signature: bytes,
    message: bytes,
    *,
    user_id: bytes = DEFAULT_USER_ID,
) -> bool:
    """Verify with a :class:`PublicKey` or a key given as its point or SubjectPublicKeyInfo."""
    if isinstance(public_key, bytes):
        public_key = (
            PublicKey.from_der(public_key)
            if public_key[:1] == b"\x30"
            else PublicKey.from_point(public_key)
        )
    return public_key.verify(signature, message, user_id=user_id)
