"""The two properties identity encryption stands on, pinned: a fresh nonce every time, and a keyed index.

A constant AES-GCM nonce or an unkeyed blind index would still encrypt,
decrypt and find people, so no behaviour test notices them; these tests do.
"""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from antidrug_sql.identities import IdentityCipher, normalise_resident_id

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NUMBER = "11010519491231002X"


def nonce_of(blob: bytes) -> bytes:
    return blob[1:13]


def test_every_encryption_draws_a_new_nonce() -> None:
    cipher = IdentityCipher(KEY)
    blobs = [cipher.encrypt("antidrug_identities", "resident_id", "P1", NUMBER) for _ in range(2_000)]
    assert len({nonce_of(blob) for blob in blobs}) == len(blobs)
    assert len(set(blobs)) == len(blobs)
    assert {cipher.decrypt("antidrug_identities", "resident_id", "P1", blob) for blob in blobs} == {NUMBER}


@given(st.text(min_size=1, max_size=30))
def test_the_same_value_never_encrypts_to_the_same_bytes(value: str) -> None:
    cipher = IdentityCipher(KEY)
    first = cipher.encrypt("antidrug_identities", "name", "P1", value)
    second = cipher.encrypt("antidrug_identities", "name", "P1", value)
    assert nonce_of(first) != nonce_of(second)
    assert first != second


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
