"""Identities at rest: AES-GCM encryption bound to its place, and a keyed blind index.

The host supplies one 32-byte key (the ``antidrug_identity_key`` hook, or
for scripts the ``ANTIDRUG_IDENTITY_KEY`` environment variable); it is
never written to the database. Three keys are derived from it with HKDF,
one per purpose, so that the blind index reveals nothing about the
encryption key and the other way round:

- names and numbers are encrypted with AES-256-GCM under a fresh random
  nonce, with the table, column and person id as associated data, so a
  ciphertext copied to another row or column no longer decrypts;
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
    "IdentityCipher",
    "normalise_resident_id",
    "parse_key",
    "resolve_key",
]

KEY_ENVIRONMENT_VARIABLE = "ANTIDRUG_IDENTITY_KEY"
"""Where scripts put the identity key: 32 bytes as base64 (44 characters) or hex (64)."""

_FORMAT = b"\x01"
"""The first byte of every ciphertext: the scheme, so that a later scheme can coexist."""
_NONCE_BYTES = 12


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


class IdentityCipher:
    """Encrypts, decrypts and blind-indexes identity fields under one host key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the identity key must be 32 bytes")
        self._aead = AESGCM(_derive(key, b"encryption"))
        self._index_key = _derive(key, b"blind index")
        self._check_key = _derive(key, b"key check")

    @staticmethod
    def _binding(table: str, column: str, person: str) -> bytes:
        return "\x00".join((table, column, person)).encode("utf-8")

    def encrypt(self, table: str, column: str, person: str, value: str) -> bytes:
        """``value`` encrypted for exactly this table, column and person."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), self._binding(table, column, person))
        return _FORMAT + nonce + sealed

    def decrypt(self, table: str, column: str, person: str, blob: bytes) -> str:
        """The value encrypted for this table, column and person.

        Raises:
            StoreUnavailable: the value was altered, moved from another row
                or column, or encrypted under another key.
        """
        if blob[:1] != _FORMAT:
            raise StoreUnavailable(f"{table}.{column} of person {person!r} is not in a known encrypted form")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, sealed, self._binding(table, column, person))
        except InvalidTag:
            raise StoreUnavailable(
                f"{table}.{column} of person {person!r} does not decrypt: it was altered or moved, "
                "or the identity key is not the one it was written with"
            ) from None
        return plain.decode("utf-8")

    def blind_index(self, resident_id: str) -> bytes:
        """The keyed index of a resident identity number: equal numbers, equal index; nothing else."""
        return hmac.digest(
            self._index_key, normalise_resident_id(resident_id).encode("utf-8"), hashlib.sha256
        )

    def key_check(self) -> str:
        """A short fingerprint that tells keys apart without revealing them."""
        return hmac.new(self._check_key, b"antidrug identity key check", hashlib.sha256).hexdigest()[:32]
