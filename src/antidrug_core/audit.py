"""The audit chain: every stored record linked to the one before it by a hash.

A store that keeps the chain gives each record a place in one gap-free
sequence (1, 2, 3 …) over the whole store, and stores beside it a hash that
covers the previous record's hash, its own sequence number and its
canonical content. Changing, deleting, reordering or slipping in a record
behind the library's back then breaks the chain at that place, and
``verify_chain`` names the first sequence number where it breaks.

The chain covers records only. Identities are kept apart and are not in it,
so that they can be erased (PIPL art. 47) without breaking the history; the
state beside the records (policy, divisions, identities' digests, arrivals)
is covered by the ledger, a second chain (``antidrug_core.ledger``). The
hash is not keyed: anyone may recompute it, which is what lets an auditor
check a copy of the database without being given a secret. Whoever can
rewrite the whole database can also rewrite the chain; keep the head hash
``verify_chain`` reports somewhere else (a signed report, a ticket) to catch
that too.

Everything here is pure: a store reads its rows and hands them over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import attrs

from antidrug_core.converter import record_to_data
from antidrug_core.model import PersonId, Record

__all__ = [
    "CHAIN_FORMAT",
    "GENESIS",
    "ChainHead",
    "ChainReport",
    "ChainRow",
    "canonical_bytes",
    "canonical_json",
    "chain_hash",
    "verify_chain",
]

CHAIN_FORMAT = b"antidrug-chain/1\x00"
"""Prefixed to every hashed message, so a hash of this chain can never be
mistaken for a hash of anything else."""

GENESIS = bytes(32)
"""The "previous hash" of the first record in a store."""


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(record: Record) -> str:
    """The one text form of a record: the converter's plain data as compact JSON with sorted keys.

    Stores keep it as the record's payload, so a row reads back to exactly
    the record written, and the chain hashes its UTF-8 bytes.
    """
    return _ENCODER.encode(record_to_data(record))


def canonical_bytes(record: Record) -> bytes:
    """``canonical_json`` as UTF-8: what the chain hash covers."""
    return canonical_json(record).encode("utf-8")


def chain_hash(previous: bytes, sequence: int, content: bytes) -> bytes:
    """The SHA-256 hash of one link: the previous hash, the sequence number, the canonical content.

    Args:
        previous: The hash of the record at ``sequence - 1`` (``GENESIS`` for 1).
        sequence: The record's place in the store, from 1.
        content: ``canonical_bytes`` of the record.
    """
    return hashlib.sha256(CHAIN_FORMAT + previous + sequence.to_bytes(8, "big") + content).digest()


@attrs.frozen
class ChainRow:
    """One stored record as the store read it, for checking."""

    sequence: int
    """Its place in the store's sequence."""
    version: int
    """Its place in its person's stream, from 1."""
    record: Record | None
    """The record its payload reads back as; None when it does not read as one."""
    hash: bytes
    """The hash stored with it."""
    problem: str | None = None
    """Something the store found wrong in the row itself (a payload that is
    not a record, typed columns that disagree with the payload)."""


@attrs.frozen
class ChainHead:
    """Where the store says its chain ends."""

    sequence: int
    """The last sequence number written (0 for an empty store)."""
    hash: bytes
    """The hash of that record (``GENESIS`` for an empty store)."""


@attrs.frozen
class ChainReport:
    """What ``verify_chain`` found."""

    records: int
    """How many records were checked before the first break (all of them when intact)."""
    head: bytes
    """The hash of the last good record: write it down to check later copies against."""
    first_bad: int | None = None
    """The first sequence number at which the chain breaks, or None."""
    reason: str | None = None
    """Why it breaks there, in words."""

    @property
    def intact(self) -> bool:
        """Whether every record and the head agree."""
        return self.first_bad is None


def verify_chain(rows: Iterable[ChainRow], head: ChainHead) -> ChainReport:
    """Check a store's rows, in sequence order, against the chain and its head.

    The first break wins: a missing sequence number (a deleted row), a row
    that is not a record, a hash that does not match (a changed or reordered
    row), a person's stream out of order, and finally a head that does not
    match the last row (rows deleted from the end, or appended out of band).

    Args:
        rows: Every row of the store, ordered by sequence number.
        head: What the store records as the end of its chain.
    """
    previous = GENESIS
    expected = 1
    versions: dict[PersonId, int] = {}

    def broken(sequence: int, reason: str) -> ChainReport:
        return ChainReport(records=expected - 1, head=previous, first_bad=sequence, reason=reason)

    for row in rows:
        if row.sequence != expected:
            if row.sequence > expected:
                return broken(expected, f"sequence {expected} is missing (the next row is {row.sequence})")
            return broken(row.sequence, f"sequence {row.sequence} is out of order or repeated")
        if row.problem is not None:
            return broken(row.sequence, row.problem)
        if row.record is None:
            return broken(row.sequence, "the row does not read as a record")
        digest = chain_hash(previous, row.sequence, canonical_bytes(row.record))
        if digest != row.hash:
            return broken(row.sequence, "the hash does not match: the record or its place was changed")
        subject = row.record.subject
        version = versions.get(subject, 0) + 1
        if row.version != version:
            return broken(
                row.sequence,
                f"it is stored as record {row.version} of its subject, but it is record {version}",
            )
        versions[subject] = version
        previous = digest
        expected += 1
    count = expected - 1
    if head.sequence > count:
        return ChainReport(
            count,
            previous,
            count + 1,
            f"the chain head says {head.sequence} records, but the rows end at {count}",
        )
    if head.sequence < count:
        return ChainReport(
            head.sequence,
            previous,
            head.sequence + 1,
            f"rows after the chain head ({head.sequence}) were added out of band",
        )
    if head.hash != previous:
        return ChainReport(
            count, previous, max(count, 1), "the chain head's hash does not match the last row"
        )
    return ChainReport(records=count, head=previous)
