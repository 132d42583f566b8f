"""Identities at rest: AES-GCM encryption under a key of each person's own, and a keyed blind index.

The host supplies one 32-byte key (the ``antidrug_identity_key`` hook, or
for scripts the ``ANTIDRUG_IDENTITY_KEY`` environment variable); it is
never written to the database. Keys are derived from it with HKDF, one per
purpose, so that the blind index reveals nothing about the encryption keys
and the other way round:

- each person gets a random 32-byte data key of their own (``PersonKey``),
  kept in ``antidrug_identity_keys`` wrapped (AES-256-GCM) under the host's
  wrapping key, bound to the person; their name and number are encrypted
  with AES-256-GCM under it (format byte ``0x02``) with a fresh random nonce
  and the table, column and person id as associated data, so a ciphertext
  copied to another row or column no longer decrypts. Destroying the
  wrapped data key erases the identity for good (crypto-shredding, PIPL
  art. 47): every copy of the ciphertext, in a backup or a free page, is
  noise from then on, unless a copy of the wrapped key and the host key it
  was wrapped under both survive (``docs/storage.md``, on backups);
- identities written before per-person keys (format ``0x01``, encrypted
  under one key derived from the host key for the whole store) still read,
  and move to ``0x02`` when rewritten or when ``antidrug keys rotate`` runs;
- the resident identity number also gets an HMAC-SHA256 blind index of its
  normalised form, which lets the store find a person by number without
  being able to read it;
- a short key check (an HMAC of a fixed label) is kept in the database so
  that a wrong key fails loudly instead of silently finding nobody.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from antidrug_core.model import StoreUnavailable

__all__ = [
    "KEY_ENVIRONMENT_VARIABLE",
    "PERSONAL",
    "STORE_WIDE",
    "IdentityCipher",
    "PersonKey",
    "normalise_resident_id",
    "parse_key",
    "resolve_key",
]

KEY_ENVIRONMENT_VARIABLE = "ANTIDRUG_IDENTITY_KEY"
"""Where scripts put the identity key: 32 bytes as base64 (44 characters) or hex (64)."""

STORE_WIDE = b"\x01"
"""The first byte of a ciphertext under the store-wide key (before per-person keys): still read."""
PERSONAL = b"\x02"
"""The first byte of a ciphertext under the person's own data key: what is written now."""
_WRAPPED = b"\x01"
"""The first byte of a wrapped data key: the wrapping scheme."""
_NONCE_BYTES = 12
_KEYS_TABLE = "antidrug_identity_keys"


def parse_key(text: str, source: str = KEY_ENVIRONMENT_VARIABLE) -> bytes:
    """A 32-byte key from its hex or base64 spelling.

    Raises:
        StoreUnavailable: the text is not 32 bytes in either spelling.
    """
    value = text.strip()
    decoded: bytes | None = None
    if len(value) == 64:
        try:
            decoded = bytes.fromhex(value)
        except ValueError:
            decoded = None
    if decoded is None:
        try:
            decoded = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            decoded = None
    if decoded is None or len(decoded) != 32:
        raise StoreUnavailable(
            f"{source} must be a 32-byte key written as 64 hex digits or 44 base64 characters "
            '(make one with: python -c "import secrets; print(secrets.token_hex(32))")'
        )
    return decoded


def resolve_key(from_host: Callable[[], bytes | None]) -> bytes | None:
    """The identity key: the host's (hook) first, else the environment variable, else None.

    Raises:
        StoreUnavailable: a key was given but is not 32 bytes.
    """
    key = from_host()
    if key is not None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise StoreUnavailable("the antidrug_identity_key hook must return exactly 32 bytes")
        return key
    text = os.environ.get(KEY_ENVIRONMENT_VARIABLE)
    if text:
        return parse_key(text)
    return None


def normalise_resident_id(value: str) -> str:
    """The form a resident identity number is indexed in: no spaces, upper-case check letter."""
    return "".join(value.split()).upper()


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"antidrug-identity/1 " + purpose
    ).derive(key)


def _binding(table: str, column: str, person: str) -> bytes:
    return "\x00".join((table, column, person)).encode("utf-8")


def _open(aead: AESGCM, blob: bytes, binding: bytes, what: str) -> bytes:
    nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        return aead.decrypt(nonce, sealed, binding)
    except InvalidTag:
        raise StoreUnavailable(
            f"{what} does not decrypt: it was altered or moved, "
            "or the identity key is not the one it was written with"
        ) from None


class PersonKey:
    """One person's data key: what their name and number are encrypted under, and all that erasure destroys.

    ``wrapped`` is what the store keeps (in ``antidrug_identity_keys``); the
    plain key lives only in memory while a value is encrypted or decrypted.
    """

    __slots__ = ("_aead", "_key", "person", "wrapped")

    def __init__(self, person: str, key: bytes, wrapped: bytes) -> None:
        self.person = person
        self.wrapped = wrapped
        """The data key wrapped under the host key: what the store keeps."""
        self._key = key
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"PersonKey({self.person!r})"

    def encrypt(self, table: str, column: str, value: str) -> bytes:
        """``value`` encrypted for exactly this table, column and person, under a fresh nonce."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), _binding(table, column, self.person))
        return PERSONAL + nonce + sealed

    def decrypt(self, table: str, column: str, blob: bytes) -> str:
        """The value encrypted for this table, column and person under this key.

        Raises:
            StoreUnavailable: the value was altered, moved, or encrypted under another key.
        """
        if blob[:1] != PERSONAL:
            raise StoreUnavailable(
                f"{table}.{column} of person {self.person!r} is not in a known encrypted form"
            )
        what = f"{table}.{column} of person {self.person!r}"
        return _open(self._aead, blob, _binding(table, column, self.person), what).decode("utf-8")


class IdentityCipher:
    """Wraps data keys, reads identities of either format, and blind-indexes numbers, under one host key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the identity key must be 32 bytes")
        self._store_wide = AESGCM(_derive(key, b"encryption"))
        self._wrapping = AESGCM(_derive(key, b"key wrapping"))
        self._index_key = _derive(key, b"blind index")
        self._check_key = _derive(key, b"key check")

    def new_person_key(self, person: str) -> PersonKey:
        """A fresh random data key for ``person``, wrapped under the host key."""
        return self._wrap(person, secrets.token_bytes(32))

    def _wrap(self, person: str, key: bytes) -> PersonKey:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        wrapped = _WRAPPED + nonce + self._wrapping.encrypt(nonce, key, _binding(_KEYS_TABLE, "key", person))
        return PersonKey(person, key, wrapped)

    def person_key(self, person: str, wrapped: bytes) -> PersonKey:
        """The data key of ``person`` from its wrapped form.

        Raises:
            StoreUnavailable: it was altered, moved from another person, or wrapped under another host key.
        """
        if wrapped[:1] != _WRAPPED:
            raise StoreUnavailable(f"the data key of person {person!r} is not in a known wrapped form")
        key = _open(
            self._wrapping,
            wrapped,
            _binding(_KEYS_TABLE, "key", person),
            f"the data key of person {person!r}",
        )
        return PersonKey(person, key, wrapped)

    def rewrap(self, key: PersonKey) -> PersonKey:
        """``key`` (opened under another host key) wrapped under this one: a rotation moves data
        keys, not the identities encrypted under them."""
        return self._wrap(key.person, key._key)

    def decrypt(self, table: str, column: str, person: str, blob: bytes, key: PersonKey | None = None) -> str:
        """The value encrypted for this table, column and person, in either format.

        Args:
            table: Where it is kept.
            column: Which column.
            person: Whose it is.
            blob: The stored ciphertext.
            key: The person's data key (needed for format ``0x02``).

        Raises:
            StoreUnavailable: the value was altered, moved from another row
                or column, encrypted under another key, or its person has no
                data key (erased).
        """
        if blob[:1] == STORE_WIDE:
            what = f"{table}.{column} of person {person!r}"
            return _open(self._store_wide, blob, _binding(table, column, person), what).decode("utf-8")
        if blob[:1] == PERSONAL:
            if key is None or key.person != person:
                raise StoreUnavailable(
                    f"{table}.{column} of person {person!r} has no data key: it was erased"
                )
            return key.decrypt(table, column, blob)
        raise StoreUnavailable(f"{table}.{column} of person {person!r} is not in a known encrypted form")

    def blind_index(self, resident_id: str) -> bytes:
        """The keyed index of a resident identity number: equal numbers, equal index; nothing else."""
        return hmac.digest(
            self._index_key, normalise_resident_id(resident_id).encode("utf-8"), hashlib.sha256
        )

    def key_check(self) -> str:
        """A short fingerprint that tells keys apart without revealing them."""
        return hmac.new(self._check_key, b"antidrug identity key check", hashlib.sha256).hexdigest()[:32]
