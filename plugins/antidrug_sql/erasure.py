"""Erasure of identities: a person's data key, ciphertexts and blind index destroyed, a batch per transaction.

Each batch takes the chain head (one writer at a time, as every writer
does), and for each person still identified and still at the version the
retention decision was made on, computes the digest of their identity row
as stored, deletes the row and the person's data key, and enters the
erasure in the ledger with that digest. A batch commits whole or not at
all, so a person is at every moment either erased with an entry in the
ledger, or untouched; a rerun skips whoever is erased already.

Deleting the data key is what makes the erasure final: every copy of the
ciphertext anywhere (a backup, a replica, a free page) is then noise to
anyone without a copy of the wrapped key. On SQLite the deleted bytes are
overwritten in the file (``PRAGMA secure_delete``, ``antidrug_sql.engines``);
what a host must do about its backups is in ``docs/storage.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from antidrug_core.ledger import EntryKind, identity_digest
from antidrug_core.model import PersonId
from antidrug_core.ports import IdentityErasure, erasure_order
from antidrug_sql.chain import Chain, chunks
from antidrug_sql.ledger import Entry, append_entries
from antidrug_sql.tables import IDENTITIES, IDENTITY_KEYS, STREAMS

__all__ = ["erase_identities", "identified"]

Step = Callable[[str], None]


def identified(connection: sa.Connection, people: Sequence[PersonId]) -> set[PersonId]:
    """Which of ``people`` have an identity row."""
    found: set[PersonId] = set()
    for chunk in chunks(sorted(set(people))):
        found.update(
            PersonId(person)
            for person in connection.execute(
                sa.select(IDENTITIES.c.person).where(IDENTITIES.c.person.in_(chunk))
            ).scalars()
        )
    return found


def _erase_batch(connection: sa.Connection, erasures: Sequence[IdentityErasure], by: str) -> list[PersonId]:
    Chain.lock(connection)
    people = [e.person for e in erasures]
    rows = {
        row.person: row
        for row in connection.execute(
            sa.select(IDENTITIES, IDENTITY_KEYS.c.key)
            .select_from(IDENTITIES.outerjoin(IDENTITY_KEYS, IDENTITY_KEYS.c.person == IDENTITIES.c.person))
            .where(IDENTITIES.c.person.in_(people))
        )
    }
    versions = dict(
        connection.execute(
            sa.select(STREAMS.c.subject, STREAMS.c.version).where(STREAMS.c.subject.in_(people))
        ).all()
    )
    erased: list[PersonId] = []
    entries: list[Entry] = []
    for erasure in sorted(erasures, key=lambda e: str(e.person)):
        row = rows.get(erasure.person)
        if row is None or versions.get(erasure.person) != erasure.version:
            continue  # erased already, or the file moved on since the decision: decided again next run
        digest = identity_digest(
            bytes(row.name),
            bytes(row.resident_id),
            bytes(row.resident_id_index),
            None if row.key is None else bytes(row.key),
        )
        entries.append(
            Entry(
                EntryKind.ERASURE,
                erasure.person,
                {"by": by, "rule": erasure.rule, "as_of": erasure.as_of.isoformat(), "digest": digest},
            )
        )
        erased.append(erasure.person)
    if erased:
        connection.execute(sa.delete(IDENTITIES).where(IDENTITIES.c.person.in_(erased)))
        connection.execute(sa.delete(IDENTITY_KEYS).where(IDENTITY_KEYS.c.person.in_(erased)))
        append_entries(connection, entries)
    return erased


def erase_identities(
    writing: Callable[[], Any],
    erasures: Sequence[IdentityErasure],
    *,
    by: str,
    batch: int = 500,
    step: Step | None = None,
) -> list[PersonId]:
    """Erase the identities of ``erasures``, ``batch`` people per transaction (``ErasingRecorder``).

    Args:
        writing: Opens the store's write transaction (``SqlRecorder.writing``).
        erasures: Who to erase, why, and at which version of their file.
        by: The actor erasing, for the ledger.
        batch: People per transaction.
        step: Told ``"batch"`` inside each transaction and ``"committed"`` after it.
    """
    told: Step = step or (lambda _where: None)
    ordered = erasure_order(erasures)
    erased: list[PersonId] = []
    for start in range(0, len(ordered), max(batch, 1)):
        with writing() as connection:
            done = _erase_batch(connection, ordered[start : start + batch], by)
            told("batch")
        told("committed")
        erased += done
    return erased
