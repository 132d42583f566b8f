"""Key rotation: identities re-encrypted and re-indexed under a new key, a batch per transaction.

A rotation is safe to stop at any moment (a kill, a crash, an error) and
to run again:

1. the first transaction notes the new key's check in ``antidrug_meta``
   (``identity_key_next``); from then on the store refuses to encrypt or
   look up identities under either key alone, so no writer can add a row
   under the old key behind the rotation;
2. each batch, in its own transaction under the chain head, unwraps its
   people's data keys under the old key and wraps them under the new one
   (their ciphertexts stay as they are: the data key did not change),
   rebuilds their blind index under the new key, enters their new digests
   in the ledger and moves the cursor (``identity_rotation_after``) past
   them. An identity still under the store-wide key of before per-person
   keys (format ``0x01``) is decrypted under the old key and encrypted under
   a fresh data key of its own, wrapped under the new key: a rotation is
   also how a store moves to per-person keys;
3. the last transaction makes the new key the store's
   (``identity_key_check``) and removes the two notes.

Every identity is therefore, at every moment, readable under exactly one
of the two keys: the rows at or before the cursor under the new one, the
others under the old one. AES-GCM tells the keys apart (a row decrypts
under one only), and a rerun with the same keys continues from the cursor.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from antidrug_core.model import InvalidInput, StoreUnavailable
from antidrug_core.ports import KeyRotation
from antidrug_sql.chain import Chain
from antidrug_sql.identities import IdentityCipher, parse_key
from antidrug_sql.ledger import append_entries, identity_entries
from antidrug_sql.tables import IDENTITIES, IDENTITY_KEYS, META

__all__ = [
    "KEY_CHECK",
    "NEW_KEY_ENVIRONMENT_VARIABLE",
    "ROTATION_AFTER",
    "ROTATION_NEXT",
    "new_key_from",
    "rotate",
    "rotation_in_progress",
]

KEY_CHECK = "identity_key_check"
"""The ``antidrug_meta`` key of the check of the key the identities are encrypted under."""
ROTATION_NEXT = "identity_key_next"
"""The check of the key a rotation in progress moves to."""
ROTATION_AFTER = "identity_rotation_after"
"""The last person a rotation in progress re-encrypted."""
NEW_KEY_ENVIRONMENT_VARIABLE = "ANTIDRUG_NEW_IDENTITY_KEY"
"""Where scripts put the key to rotate to (as ``ANTIDRUG_IDENTITY_KEY``: 64 hex or 44 base64)."""

Step = Callable[[str], None]
"""Told ``"begun"``, ``"batch"`` (inside a batch's transaction, before it commits), ``"committed"``
and ``"finishing"`` (inside the last transaction): a test stops the rotation there."""


def new_key_from(from_host: bytes | None) -> bytes:
    """The key to rotate to: the host's, else ``ANTIDRUG_NEW_IDENTITY_KEY``.

    Raises:
        InvalidInput: neither gives a 32-byte key.
    """
    if from_host is not None:
        if not isinstance(from_host, bytes) or len(from_host) != 32:
            raise InvalidInput.of("antidrug_new_identity_key", "must return exactly 32 bytes")
        return from_host
    text = os.environ.get(NEW_KEY_ENVIRONMENT_VARIABLE)
    if not text:
        raise InvalidInput.of(
            NEW_KEY_ENVIRONMENT_VARIABLE,
            "a rotation needs the new identity key: give it through the antidrug_new_identity_key "
            "hook, or set ANTIDRUG_NEW_IDENTITY_KEY to 32 bytes as hex or base64",
        )
    try:
        return parse_key(text, NEW_KEY_ENVIRONMENT_VARIABLE)
    except StoreUnavailable as error:
        raise InvalidInput.of(NEW_KEY_ENVIRONMENT_VARIABLE, str(error)) from None


def _meta(connection: sa.Connection, key: str) -> str | None:
    value = connection.execute(sa.select(META.c.value).where(META.c.key == key)).scalar()
    return None if value is None else str(value)


def _set_meta(connection: sa.Connection, key: str, value: str | None) -> None:
    connection.execute(sa.delete(META).where(META.c.key == key))
    if value is not None:
        connection.execute(sa.insert(META).values(key=key, value=value))


def rotation_in_progress(connection: sa.Connection) -> bool:
    """Whether a rotation was begun and not finished."""
    return _meta(connection, ROTATION_NEXT) is not None


def _begin(writing: Callable[[], Any], old: IdentityCipher, new: IdentityCipher) -> bool:
    """Note the rotation; False when there is nothing to rotate (or it was finished already)."""
    with writing() as connection:
        Chain.lock(connection)
        stored, following = _meta(connection, KEY_CHECK), _meta(connection, ROTATION_NEXT)
        if stored is None or (stored == new.key_check() and following is None):
            return False  # no identities yet, or rotated already
        if stored != old.key_check():
            raise StoreUnavailable(
                "the identity key given is not the one this database's identities are encrypted with"
            )
        if following is not None and following != new.key_check():
            raise InvalidInput.of(
                NEW_KEY_ENVIRONMENT_VARIABLE,
                "a rotation to another new key was begun and not finished; finish it with that key",
            )
        if following is None:
            _set_meta(connection, ROTATION_NEXT, new.key_check())
    return True


def _batch(
    writing: Callable[[], Any], old: IdentityCipher, new: IdentityCipher, size: int, step: Step
) -> int:
    """Move the next ``size`` people after the cursor to the new key; how many there were."""
    table = IDENTITIES.name
    with writing() as connection:
        Chain.lock(connection)
        after = _meta(connection, ROTATION_AFTER) or ""
        rows = connection.execute(
            sa.select(IDENTITIES, IDENTITY_KEYS.c.key)
            .select_from(IDENTITIES.outerjoin(IDENTITY_KEYS, IDENTITY_KEYS.c.person == IDENTITIES.c.person))
            .where(IDENTITIES.c.person > after)
            .order_by(IDENTITIES.c.person)
            .limit(size)
        ).all()
        if not rows:
            return 0
        written: list[dict[str, Any]] = []
        for row in rows:
            person = row.person
            fresh: dict[str, Any] = {
                "person": person,
                "name": bytes(row.name),
                "resident_id": bytes(row.resident_id),
            }
            if row.key is None:  # under the store-wide key of before: a data key of its own now
                name = old.decrypt(table, "name", person, bytes(row.name))
                number = old.decrypt(table, "resident_id", person, bytes(row.resident_id))
                key = new.new_person_key(person)
                fresh["name"] = key.encrypt(table, "name", name)
                fresh["resident_id"] = key.encrypt(table, "resident_id", number)
                connection.execute(sa.insert(IDENTITY_KEYS).values(person=person, key=key.wrapped))
            else:
                opened = old.person_key(person, bytes(row.key))
                number = old.decrypt(table, "resident_id", person, bytes(row.resident_id), opened)
                key = new.rewrap(opened)
                connection.execute(
                    sa.update(IDENTITY_KEYS).where(IDENTITY_KEYS.c.person == person).values(key=key.wrapped)
                )
            fresh["resident_id_index"] = new.blind_index(number)
            fresh["key"] = key.wrapped
            connection.execute(
                sa.update(IDENTITIES)
                .where(IDENTITIES.c.person == person)
                .values(
                    name=fresh["name"],
                    resident_id=fresh["resident_id"],
                    resident_id_index=fresh["resident_id_index"],
                )
            )
            written.append(fresh)
        append_entries(connection, identity_entries(written))
        _set_meta(connection, ROTATION_AFTER, rows[-1].person)
        step("batch")
    step("committed")
    return len(rows)


def _finish(writing: Callable[[], Any], new: IdentityCipher, step: Step) -> int:
    """Make the new key the store's; how many identities it holds."""
    with writing() as connection:
        Chain.lock(connection)
        after = _meta(connection, ROTATION_AFTER) or ""
        left = connection.execute(
            sa.select(sa.func.count()).select_from(IDENTITIES).where(IDENTITIES.c.person > after)
        ).scalar_one()
        if left:
            raise StoreUnavailable(f"{left} identities are still under the old key; run the rotation again")
        _set_meta(connection, KEY_CHECK, new.key_check())
        _set_meta(connection, ROTATION_NEXT, None)
        _set_meta(connection, ROTATION_AFTER, None)
        step("finishing")
        return int(connection.execute(sa.select(sa.func.count()).select_from(IDENTITIES)).scalar_one())


def rotate(
    writing: Callable[[], Any],
    old_key: bytes,
    new_key: bytes,
    *,
    batch: int = 500,
    step: Step | None = None,
) -> KeyRotation:
    """Re-encrypt every identity under ``new_key``, a batch per transaction; resumable.

    Args:
        writing: Opens the store's write transaction (``SqlRecorder.writing``).
        old_key: The key the identities are encrypted under now.
        new_key: The key to move them to.
        batch: People per transaction.
        step: Told each step (see ``Step``); raising there stops the rotation.

    Raises:
        InvalidInput: the new key is the old one, or another rotation is unfinished.
        StoreUnavailable: the old key is not the store's.
    """
    if new_key == old_key:
        raise InvalidInput.of(NEW_KEY_ENVIRONMENT_VARIABLE, "the new identity key is the one in use")
    told: Step = step or (lambda _where: None)
    old, new = IdentityCipher(old_key), IdentityCipher(new_key)
    if not _begin(writing, old, new):
        return KeyRotation(rotated=0, identities=None)
    told("begun")
    rotated = 0
    while done := _batch(writing, old, new, batch, told):
        rotated += done
    return KeyRotation(rotated=rotated, identities=_finish(writing, new, told))
