"""The properties identity encryption stands on, pinned: a fresh nonce every time, a keyed index,
a data key of each person's own, and the old store-wide format still read.

A constant AES-GCM nonce, an unkeyed blind index or one data key shared by
everyone would still encrypt, decrypt and find people, so no behaviour test
notices them; these tests do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.model import StoreUnavailable
from antidrug_sql.identities import IdentityCipher, normalise_resident_id

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NUMBER = "11010519491231002X"


def nonce_of(blob: bytes) -> bytes:
    return blob[1:13]


def test_every_encryption_draws_a_new_nonce() -> None:
    cipher = IdentityCipher(KEY)
    key = cipher.new_person_key("P1")
    blobs = [key.encrypt("antidrug_identities", "resident_id", NUMBER) for _ in range(2_000)]
    assert {blob[:1] for blob in blobs} == {b"\x02"}
    assert len({nonce_of(blob) for blob in blobs}) == len(blobs)
    assert len(set(blobs)) == len(blobs)
    assert {cipher.decrypt("antidrug_identities", "resident_id", "P1", blob, key) for blob in blobs} == {
        NUMBER
    }


def test_every_wrapping_draws_a_new_nonce_and_every_person_a_new_data_key() -> None:
    cipher = IdentityCipher(KEY)
    keys = [cipher.new_person_key("P1") for _ in range(500)]
    assert len({nonce_of(k.wrapped) for k in keys}) == len(keys)
    blobs = [k.encrypt("antidrug_identities", "name", "张三") for k in keys]
    for key, blob in zip(keys, blobs, strict=True):  # each key opens its own ciphertext and no other
        assert key.decrypt("antidrug_identities", "name", blob) == "张三"
    with pytest.raises(StoreUnavailable, match="does not decrypt"):
        keys[0].decrypt("antidrug_identities", "name", blobs[1])
    rewrapped = IdentityCipher(OTHER_KEY).rewrap(cipher.person_key("P1", keys[0].wrapped))
    assert (
        IdentityCipher(OTHER_KEY)
        .person_key("P1", rewrapped.wrapped)
        .decrypt("antidrug_identities", "name", blobs[0])
        == "张三"
    )
    with pytest.raises(StoreUnavailable, match="data key of person 'P1' does not decrypt"):
        cipher.person_key("P1", rewrapped.wrapped)  # wrapped under the other host key now
    with pytest.raises(StoreUnavailable, match="data key of person 'P2' does not decrypt"):
        cipher.person_key("P2", keys[0].wrapped)  # a wrapped key moved to another person


@given(st.text(min_size=1, max_size=30))
def test_the_same_value_never_encrypts_to_the_same_bytes(value: str) -> None:
    key = IdentityCipher(KEY).new_person_key("P1")
    first = key.encrypt("antidrug_identities", "name", value)
    second = key.encrypt("antidrug_identities", "name", value)
    assert nonce_of(first) != nonce_of(second)
    assert first != second


def test_the_store_wide_format_of_before_per_person_keys_still_decrypts() -> None:
    """Format 0x01 as it was written: AES-256-GCM under HKDF-SHA256(host key, "antidrug-identity/1
    encryption"), the table, column and person as associated data."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"antidrug-identity/1 encryption"
    ).derive(KEY)
    nonce = secrets.token_bytes(12)
    blob = (
        b"\x01"
        + nonce
        + AESGCM(derived).encrypt(nonce, NUMBER.encode(), b"antidrug_identities\x00resident_id\x00P1")
    )
    assert IdentityCipher(KEY).decrypt("antidrug_identities", "resident_id", "P1", blob) == NUMBER
    with pytest.raises(StoreUnavailable, match="does not decrypt"):
        IdentityCipher(OTHER_KEY).decrypt("antidrug_identities", "resident_id", "P1", blob)


def test_the_blind_index_depends_on_the_key_and_on_nothing_an_outsider_can_compute() -> None:
    mine, theirs = IdentityCipher(KEY), IdentityCipher(OTHER_KEY)
    index = mine.blind_index(NUMBER)
    assert index == mine.blind_index(" 11010519491231002x ")  # normalised: the same number, the same index
    assert index != theirs.blind_index(NUMBER)
    plain = normalise_resident_id(NUMBER).encode()
    unkeyed = {
        hashlib.sha256(plain).digest(),
        hmac.digest(b"", plain, "sha256"),
        hmac.digest(KEY, plain, "sha256"),  # the master key itself must not be the index key either
    }
    assert index not in unkeyed
