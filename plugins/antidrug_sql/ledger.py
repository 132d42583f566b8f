"""The ledger in SQL: entries appended by every writer that changes what decides access or a figure.

Every transaction that changes what decides access or a figure appends to
``antidrug_ledger`` (``antidrug_core.ledger``) while it holds the chain
head: keeping a policy (``policy.keep_policy``), naming divisions
(``chain.put_divisions``), storing identities, keeping a dataset's rating
schemes (``keep_rating_schemes``: the ledger is where they are kept), and each
commit's or load's records. ``antidrug_sql.audit_state`` checks the tables against it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from antidrug_core.converter import structure, unstructure
from antidrug_core.ledger import GENESIS, EntryKind, entry_text, identity_digest, ledger_hash
from antidrug_core.rules.prevention import RatingScheme, schemes_to_keep
from antidrug_sql.tables import CHAIN_HEAD, LEDGER

__all__ = ["Entry", "append_entries", "identity_entries", "keep_rating_schemes", "kept_rating_schemes"]

_CHUNK = 500


@attrs.frozen
class Entry:
    """An entry to append."""

    kind: EntryKind
    key: str = ""
    data: Mapping[str, Any] = attrs.field(factory=dict)
    first: int | None = None
    last: int | None = None


def append_entries(
    connection: sa.Connection, entries: Sequence[Entry], at: dt.datetime | None = None
) -> None:
    """Append ``entries`` to the ledger and move its head; call holding the chain head (``Chain.lock``).

    Args:
        connection: The writing transaction.
        entries: What to append, in order.
        at: When the store wrote them (default: now, by the store's clock).
    """
    if not entries:
        return
    when = at or dt.datetime.now(dt.UTC)
    head = connection.execute(
        sa.select(CHAIN_HEAD.c.ledger_sequence, CHAIN_HEAD.c.ledger_hash).where(CHAIN_HEAD.c.id == 1)
    ).one()
    sequence = int(head.ledger_sequence or 0)
    last = bytes(head.ledger_hash) if head.ledger_hash is not None else GENESIS
    rows: list[dict[str, Any]] = []
    for entry in entries:
        sequence += 1
        text = entry_text(entry.kind, entry.key, when, entry.data, entry.first, entry.last)
        last = ledger_hash(last, sequence, text)
        rows.append(
            {
                "sequence": sequence,
                "kind": entry.kind.value,
                "key": entry.key,
                "at": when,
                "first": entry.first,
                "last": entry.last,
                "payload": text,
                "hash": last,
            }
        )
    for start in range(0, len(rows), _CHUNK):
        connection.execute(sa.insert(LEDGER), rows[start : start + _CHUNK])
    connection.execute(
        sa.update(CHAIN_HEAD).where(CHAIN_HEAD.c.id == 1).values(ledger_sequence=sequence, ledger_hash=last)
    )


def identity_entries(rows: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """The entries of identity rows as written to ``antidrug_identities``: digests of their ciphertexts
    and (``key``, when the row has one) of the wrapped data key kept in ``antidrug_identity_keys``."""
    return [
        Entry(
            EntryKind.IDENTITY,
            row["person"],
            {
                "digest": identity_digest(
                    row["name"], row["resident_id"], row["resident_id_index"], row.get("key")
                )
            },
        )
        for row in rows
    ]


def kept_rating_schemes(connection: sa.Connection) -> tuple[RatingScheme, ...]:
    """The rating schemes the store keeps: its ledger's ``rating_scheme`` entries, in order.

    The ledger is where a scheme is kept (no table of its own): the hash
    chain that ``antidrug audit verify`` checks covers it, and it is
    appended once, never changed.
    """
    statement = (
        sa.select(LEDGER.c.payload)
        .where(LEDGER.c.kind == EntryKind.RATING_SCHEME.value)
        .order_by(LEDGER.c.sequence)
    )
    return tuple(
        structure(json.loads(payload)["data"]["scheme"], RatingScheme)
        for payload in connection.execute(statement).scalars()
    )


def keep_rating_schemes(connection: sa.Connection, schemes: Sequence[RatingScheme]) -> None:
    """Append an entry for each scheme not kept yet; call holding the chain head.

    Raises:
        InvalidInput: a scheme differs from the kept one of its id.
    """
    kept = {scheme.id: scheme for scheme in kept_rating_schemes(connection)}
    append_entries(
        connection,
        [
            Entry(EntryKind.RATING_SCHEME, scheme.id, {"scheme": unstructure(scheme)})
            for scheme in schemes_to_keep(kept, schemes)
        ],
    )
