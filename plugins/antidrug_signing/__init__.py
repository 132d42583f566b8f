"""Ed25519 signatures for audit checkpoints (``antidrug_core.checkpoints``).

The core names the signature scheme it needs and keeps no cryptography of
its own; this plugin provides Ed25519 (RFC 8032) through the
``antidrug_signature_scheme`` hook, as the other built-in features are
plugins too.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from antidrug_core import hookimpl
from antidrug_core.checkpoints import SignatureScheme
from antidrug_core.model import InvalidInput

__all__ = ["Ed25519", "antidrug_signature_scheme"]


class Ed25519:
    """Ed25519 with 32-byte private keys (seeds) and 32-byte public keys."""

    name = "ed25519"

    def _private(self, private_key: bytes) -> Ed25519PrivateKey:
        if not isinstance(private_key, bytes) or len(private_key) != 32:
            raise InvalidInput.of("checkpoint key", "an Ed25519 private key is exactly 32 bytes")
        return Ed25519PrivateKey.from_private_bytes(private_key)

    def public_key(self, private_key: bytes) -> bytes:
        return self._private(private_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, private_key: bytes, message: bytes) -> bytes:
        return self._private(private_key).sign(message)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@hookimpl
def antidrug_signature_scheme() -> SignatureScheme | None:
    """The Ed25519 scheme."""
    return Ed25519()
