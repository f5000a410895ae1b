"""The hub's Ed25519 key: kept in a PEM file under the data dir, published as a JWK (RFC 8037), used to
sign tree heads in the RFC 6962 ``TreeHeadSignature`` layout.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["HubKey", "b64url", "tree_head_message", "verify_tree_head"]

_LOCK = threading.Lock()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tree_head_message(tree_size: int, timestamp_ms: int, root: bytes) -> bytes:
    """RFC 6962 3.5: version v1 (0), signature_type tree_hash (1), uint64 timestamp, uint64 tree_size, root."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    core = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    # RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, no whitespace.
    kid = b64url(hashlib.sha256(json.dumps(core, sort_keys=True, separators=(",", ":")).encode()).digest())
    return {**core, "kid": kid, "alg": "EdDSA", "use": "sig"}


def public_from_jwk(jwk: dict[str, str]) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))


def verify_tree_head(public: Ed25519PublicKey, tree_size: int, timestamp_ms: int, root: bytes, signature: str) -> bool:
    try:
        public.verify(b64url_decode(signature), tree_head_message(tree_size, timestamp_ms, root))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class HubKey:
    private: Ed25519PrivateKey

    @classmethod
    def load_or_create(cls, path: Path) -> HubKey:
        with _LOCK:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                key = Ed25519PrivateKey.generate()
                pem = key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
                # Written under a temporary name and renamed, so two workers starting at once agree on one key.
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(pem)
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass
                finally:
                    tmp.unlink(missing_ok=True)
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError("the hub key file does not hold an Ed25519 key")
        return cls(loaded)

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.public)

    @property
    def key_id(self) -> str:
        return self.jwk["kid"]

    def sign_tree_head(self, tree_size: int, timestamp_ms: int, root: bytes) -> str:
        return b64url(self.private.sign(tree_head_message(tree_size, timestamp_ms, root)))
