"""Checkpoints: a signed statement of the audit chain's and the ledger's size and Merkle root, kept elsewhere.

The hash chain (``antidrug_core.audit``) shows that no record was changed
behind the library's back, but whoever can rewrite the whole database can
rewrite the chain too, and deleting the last records together with the chain
head leaves a chain that verifies. A checkpoint closes that gap: it states
how many records the chain held and the RFC 6962 Merkle tree root over
their chain hashes, signed with a key the host keeps outside the database
(Ed25519 in the first-party ``antidrug_signing`` plugin; the core names only
the ``SignatureScheme`` it needs, and holds no cryptography of its own). A
platform publishes one every day to another system (a ticket, an archive,
the provincial office); later, ``check_checkpoint`` proves that the
store still extends it — the first ``size`` records are exactly the ones the
checkpoint covered — so a rewritten history or a deleted tail is caught.

The ledger (``antidrug_core.ledger``: policy, divisions, identities'
digests, arrivals) is a second hash chain with the same weakness, so a
checkpoint of format 2 states both trees: the records' size, root and head
and the ledger's. Deleting the ledger's tail and rewriting its head is then
caught as a deleted record is. A checkpoint of format 1 (records only,
made before the ledger was covered) still verifies for the records; the
report says the ledger was not covered by it (``covers_ledger``).

The tree is RFC 6962's (Certificate Transparency): leaves are hashed with a
0x00 prefix and inner nodes with 0x01, so a leaf can never pass for a node.
Everything here is pure; the caller reads the rows and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any, Protocol

import attrs

from antidrug_core.audit import ChainHead, ChainRow, verify_chain
from antidrug_core.ledger import LedgerRow, replay_ledger
from antidrug_core.model import InvalidInput

__all__ = [
    "CHECKPOINT_FORMAT",
    "RECORDS_ONLY_FORMAT",
    "Checkpoint",
    "CheckpointReport",
    "SignatureScheme",
    "check_checkpoint",
    "make_checkpoint",
    "merkle_root",
]

CHECKPOINT_FORMAT = "antidrug-checkpoint/2"
"""The format written: both trees, the records' and the ledger's."""

RECORDS_ONLY_FORMAT = "antidrug-checkpoint/1"
"""The first format: the records' tree only. Still read and checked, for the records."""

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


class SignatureScheme(Protocol):
    """How checkpoints are signed: a plugin provides it (``antidrug_signature_scheme``)."""

    name: str
    """The scheme's name, written into every checkpoint (``ed25519``)."""

    def public_key(self, private_key: bytes) -> bytes:
        """The public key of ``private_key``.

        Raises:
            InvalidInput: the private key is not one of this scheme.
        """
        ...

    def sign(self, private_key: bytes, message: bytes) -> bytes:
        """The signature of ``message`` under ``private_key``."""
        ...

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is ``public_key``'s signature of ``message``."""
        ...


@attrs.frozen
class Checkpoint:
    """A signed statement: this store's chain held ``size`` records with this Merkle ``root``, and its
    ledger ``ledger_size`` entries with the Merkle root ``ledger_root``."""

    size: int
    root: bytes
    head: bytes
    """The chain hash of record ``size``: the same fact in the chain's own terms."""
    at: dt.datetime
    """When the statement was made."""
    public_key: bytes
    """The public key that signed it; the verifier holds it against the one it trusts."""
    scheme: str = "ed25519"
    """The signature scheme."""
    signature: bytes = b""
    ledger_size: int | None = None
    """How many ledger entries the store held; None in a checkpoint of format 1 (records only)."""
    ledger_root: bytes = b""
    """The RFC 6962 Merkle root over the first ``ledger_size`` entries' hashes."""
    ledger_head: bytes = b""
    """The hash of ledger entry ``ledger_size``."""

    @property
    def covers_ledger(self) -> bool:
        """Whether the statement covers the ledger too (format 2)."""
        return self.ledger_size is not None

    def statement(self) -> bytes:
        """The exact bytes signed: the checkpoint's fields as canonical JSON, without the signature."""
        fields: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT if self.covers_ledger else RECORDS_ONLY_FORMAT,
            "size": self.size,
            "root": self.root.hex(),
            "head": self.head.hex(),
            "at": self.at.isoformat(),
            "public_key": self.public_key.hex(),
            "scheme": self.scheme,
        }
        if self.ledger_size is not None:
            fields |= {
                "ledger_size": self.ledger_size,
                "ledger_root": self.ledger_root.hex(),
                "ledger_head": self.ledger_head.hex(),
            }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def to_data(self) -> dict[str, Any]:
        """The checkpoint as a JSON document."""
        return {**json.loads(self.statement()), "signature": self.signature.hex()}

    @classmethod
    def from_data(cls, data: Any) -> Checkpoint:
        """Read a checkpoint document of format 2, or of format 1 (records only).

        Raises:
            InvalidInput: it is not an ``antidrug-checkpoint`` document of either format.
        """
        formats = (CHECKPOINT_FORMAT, RECORDS_ONLY_FORMAT)
        if not isinstance(data, dict) or data.get("format") not in formats:
            raise InvalidInput.of(
                "checkpoint", f"is not an {CHECKPOINT_FORMAT} (or {RECORDS_ONLY_FORMAT}) document"
            )
        try:
            ledger: dict[str, Any] = {}
            if data["format"] == CHECKPOINT_FORMAT:
                ledger = {
                    "ledger_size": int(data["ledger_size"]),
                    "ledger_root": bytes.fromhex(data["ledger_root"]),
                    "ledger_head": bytes.fromhex(data["ledger_head"]),
                }
            return cls(
                size=int(data["size"]),
                root=bytes.fromhex(data["root"]),
                head=bytes.fromhex(data["head"]),
                at=dt.datetime.fromisoformat(data["at"]),
                public_key=bytes.fromhex(data["public_key"]),
                scheme=str(data["scheme"]),
                signature=bytes.fromhex(data["signature"]),
                **ledger,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput.of("checkpoint", f"cannot be read ({error})") from None


@attrs.frozen
class CheckpointReport:
    """What ``check_checkpoint`` found."""

    extends: bool
    """Whether the store still holds exactly the records (and ledger entries) the checkpoint
    covered, and maybe more."""
    reason: str | None = None
    """Why not, in words."""
    covers_ledger: bool = True
    """False for a checkpoint of format 1: only the records were proved, the ledger could not be."""


def make_checkpoint(
    rows: Iterable[ChainRow],
    head: ChainHead,
    scheme: SignatureScheme,
    private_key: bytes,
    at: dt.datetime,
    ledger: tuple[Iterable[LedgerRow], ChainHead] | None = None,
) -> Checkpoint:
    """Sign the current end of an intact chain and, when given, of its intact ledger.

    Args:
        rows: Every record row, in sequence order.
        head: The chain head.
        scheme: How to sign.
        private_key: The host's key.
        at: When the statement is made.
        ledger: Every ledger entry, in sequence order, and the ledger's head (its entry
            count and last hash). None makes a checkpoint of format 1 (a store without a ledger).

    Raises:
        InvalidInput: the chain or the ledger does not verify (a checkpoint of a broken chain
            would vouch for it).
    """
    listed = list(rows)
    report = verify_chain(listed, head)
    if not report.intact:
        raise InvalidInput.of("chain", f"is broken at sequence {report.first_bad}: {report.reason}")
    size, root = merkle_root(row.hash for row in listed)
    ledger_fields: dict[str, Any] = {}
    if ledger is not None:
        entries, ledger_head = list(ledger[0]), ledger[1]
        replayed = replay_ledger(entries, ledger_head.sequence, ledger_head.hash)
        if not replayed.intact:
            raise InvalidInput.of("ledger", f"is broken at entry {replayed.first_bad}: {replayed.reason}")
        ledger_size, ledger_root = merkle_root(entry.hash for entry in entries)
        ledger_fields = {"ledger_size": ledger_size, "ledger_root": ledger_root, "ledger_head": replayed.head}
    unsigned = Checkpoint(
        size=size,
        root=root,
        head=head.hash,
        at=at,
        public_key=scheme.public_key(private_key),
        scheme=scheme.name,
        **ledger_fields,
    )
    return attrs.evolve(unsigned, signature=scheme.sign(private_key, unsigned.statement()))


def check_checkpoint(
    rows: Iterable[ChainRow],
    checkpoint: Checkpoint,
    trusted_key: bytes,
    scheme: SignatureScheme,
    ledger: Iterable[LedgerRow] | None = None,
) -> CheckpointReport:
    """Whether the store's chain, and its ledger, still extend ``checkpoint``, signed by ``trusted_key``.

    The signature must verify under the key the verifier trusts (not merely
    the one the document names), and the Merkle root of the store's first
    ``size`` chain hashes must equal the checkpoint's: a changed, reordered
    or deleted record among them changes the root, and a store cut short of
    ``size`` cannot produce it at all. The same holds for the first
    ``ledger_size`` ledger entries when the checkpoint covers the ledger.

    Args:
        rows: Every record row, in sequence order.
        checkpoint: The statement to check.
        trusted_key: The public key the verifier trusts.
        scheme: How it was signed.
        ledger: Every ledger entry, in sequence order (None: the store keeps no ledger, and a
            checkpoint that covers one cannot be extended).
    """
    if checkpoint.scheme != scheme.name or checkpoint.public_key != trusted_key:
        return CheckpointReport(False, "the checkpoint is signed with another key than the one trusted")
    if not scheme.verify(trusted_key, checkpoint.statement(), checkpoint.signature):
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
    if checkpoint.ledger_size is None:
        return CheckpointReport(True, covers_ledger=False)
    if ledger is None:
        return CheckpointReport(False, "the checkpoint covers a ledger, but the store keeps none")
    count, root = merkle_root((entry.hash for entry in ledger), checkpoint.ledger_size)
    if count < checkpoint.ledger_size:
        return CheckpointReport(
            False,
            f"the ledger holds {count} entries, fewer than the {checkpoint.ledger_size} "
            "the checkpoint covered",
        )
    if root != checkpoint.ledger_root:
        return CheckpointReport(
            False,
            f"the first {checkpoint.ledger_size} ledger entries are not the ones the checkpoint covered",
        )
    return CheckpointReport(True)
