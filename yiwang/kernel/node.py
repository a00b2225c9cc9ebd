"""Node identity: this deployment is a node, named by its region code, with a signing key
pair generated on first run into the data dir.

The key is Ed25519 for now; the e-seal issue brings SM2, and node messages move to it then
(the key file name carries the algorithm, so both can live side by side).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from yiwang.conf import create_once


@dataclass(frozen=True)
class Node:
    node_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode()


def verify_signature(public_key_pem: str, message: bytes, signature: str) -> bool:
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _generate_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(create_once(path, _generate_pem), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 private key")
    return key


@functools.cache
def this_node() -> Node:
    return Node(
        node_id=settings.YIWANG_NODE_REGION,
        private_key=_load_or_create(settings.DATA_DIR / "keys" / "node_ed25519.pem"),
    )
