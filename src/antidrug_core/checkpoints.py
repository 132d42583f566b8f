"""Checkpoints: a signed statement of the audit chain's size and Merkle root, kept by someone else.

The hash chain (``antidrug_core.audit``) shows that no record was changed
behind the library's back, but whoever can rewrite the whole database can
rewrite the chain too, and deleting the last records together with the chain
head leaves a chain that verifies. A checkpoint closes that gap: it states
how many records the chain held and the RFC 6962 Merkle tree root over
their chain hashes, signed with an Ed25519 key the host keeps outside the
database. A platform publishes one every day to another system (a ticket, an
archive, the provincial office); later, ``check_checkpoint`` proves that the
store still extends it — the first ``size`` records are exactly the ones the
checkpoint covered — so a rewritten history or a deleted tail is caught.

The tree is RFC 6962's (Certificate Transparency): leaves are hashed with a
0x00 prefix and inner nodes with 0x01, so a leaf can never pass for a node.
Everything here is pure; the caller reads the rows and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from antidrug_core.audit import ChainHead, ChainRow, verify_chain
from antidrug_core.model import InvalidInput

__all__ = [
    "CHECKPOINT_FORMAT",
    "Checkpoint",
    "CheckpointReport",
    "check_checkpoint",
    "make_checkpoint",
    "merkle_root",
    "public_key_of",
]

CHECKPOINT_FORMAT = "antidrug-checkpoint/1"

_EMPTY = hashlib.sha256(b"").digest()


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Iterable[bytes], size: int | None = None) -> tuple[int, bytes]:
    """The RFC 6962 Merkle tree hash of the first ``size`` leaves (all when None), and how many there were.

    Streams: it keeps one hash per level, so a province's chain of millions
    of records needs no more than a few kilobytes. Merging the complete
    subtrees from the right gives exactly RFC 6962's split at the largest
    power of two below the size.
    """
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left to right
    count = 0
    for data in leaves:
        if size is not None and count == size:
            break
        count += 1
        height, digest = 0, _leaf(data)
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            height, digest = height + 1, _node(left, digest)
        stack.append((height, digest))
    if not stack:
        return 0, _EMPTY
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = _node(left, root)
    return count, root


def public_key_of(private_key: bytes) -> bytes:
    """The 32-byte Ed25519 public key of a 32-byte private key (its seed)."""
    key = Ed25519PrivateKey.from_private_bytes(private_key)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@attrs.frozen
class Checkpoint:
    """A signed statement: this store's chain held ``size`` records with this Merkle ``root``."""

    size: int
    root: bytes
    head: bytes
    """The chain hash of record ``size``: the same fact in the chain's own terms."""
    at: dt.datetime
    """When the statement was made."""
    public_key: bytes
    """The Ed25519 public key that signed it; the verifier holds it against the one it trusts."""
    signature: bytes = b""

    def statement(self) -> bytes:
        """The exact bytes signed: the checkpoint's fields as canonical JSON, without the signature."""
        fields = {
            "format": CHECKPOINT_FORMAT,
            "size": self.size,
            "root": self.root.hex(),
            "head": self.head.hex(),
            "at": self.at.isoformat(),
            "public_key": self.public_key.hex(),
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def to_data(self) -> dict[str, Any]:
        """The checkpoint as a JSON document."""
        return {**json.loads(self.statement()), "signature": self.signature.hex()}

    @classmethod
    def from_data(cls, data: Any) -> Checkpoint:
        """Read a checkpoint document.

        Raises:
            InvalidInput: it is not an ``antidrug-checkpoint/1`` document.
        """
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise InvalidInput.of("checkpoint", f"is not an {CHECKPOINT_FORMAT} document")
        try:
            return cls(
                size=int(data["size"]),
                root=bytes.fromhex(data["root"]),
                head=bytes.fromhex(data["head"]),
                at=dt.datetime.fromisoformat(data["at"]),
                public_key=bytes.fromhex(data["public_key"]),
                signature=bytes.fromhex(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput.of("checkpoint", f"cannot be read ({error})") from None


@attrs.frozen
class CheckpointReport:
    """What ``check_checkpoint`` found."""

    extends: bool
    """Whether the store still holds exactly the records the checkpoint covered, and maybe more."""
    reason: str | None = None
    """Why not, in words."""


def make_checkpoint(
    rows: Iterable[ChainRow], head: ChainHead, private_key: bytes, at: dt.datetime
) -> Checkpoint:
    """Sign the current end of an intact chain.

    Raises:
        InvalidInput: the chain does not verify (a checkpoint of a broken chain would vouch for it).
    """
    listed = list(rows)
    report = verify_chain(listed, head)
    if not report.intact:
        raise InvalidInput.of("chain", f"is broken at sequence {report.first_bad}: {report.reason}")
    size, root = merkle_root(row.hash for row in listed)
    unsigned = Checkpoint(size=size, root=root, head=head.hash, at=at, public_key=public_key_of(private_key))
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(unsigned.statement())
    return attrs.evolve(unsigned, signature=signature)


def check_checkpoint(
    rows: Iterable[ChainRow], checkpoint: Checkpoint, trusted_key: bytes
) -> CheckpointReport:
    """Whether the store's chain still extends ``checkpoint``, signed by ``trusted_key``.

    The signature must verify under the key the verifier trusts (not merely
    the one the document names), and the Merkle root of the store's first
    ``size`` chain hashes must equal the checkpoint's: a changed, reordered
    or deleted record among them changes the root, and a store cut short of
    ``size`` cannot produce it at all.
    """
    if checkpoint.public_key != trusted_key:
        return CheckpointReport(False, "the checkpoint is signed with another key than the one trusted")
    try:
        Ed25519PublicKey.from_public_bytes(trusted_key).verify(checkpoint.signature, checkpoint.statement())
    except InvalidSignature:
        return CheckpointReport(False, "the checkpoint's signature does not verify: it was altered")
    count, root = merkle_root((row.hash for row in rows), checkpoint.size)
    if count < checkpoint.size:
        return CheckpointReport(
            False, f"the store holds {count} records, fewer than the {checkpoint.size} the checkpoint covered"
        )
    if root != checkpoint.root:
        return CheckpointReport(
            False, f"the first {checkpoint.size} records are not the ones the checkpoint covered"
        )
    return CheckpointReport(True)
