"""Signed checkpoints: a deleted tail or a rewritten history no longer verifies against one kept elsewhere."""

from __future__ import annotations

import datetime as dt
import hashlib

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from antidrug_core.audit import GENESIS, ChainHead, ChainRow, canonical_bytes, chain_hash, verify_chain
from antidrug_core.checkpoints import (
    Checkpoint,
    check_checkpoint,
    make_checkpoint,
    merkle_root,
    public_key_of,
)
from antidrug_core.model import InvalidInput, Record
from antidrug_core.testing import every_person_record_type

KEY = bytes(range(32))
OTHER_KEY = bytes(range(5, 37))
AT = dt.datetime(2023, 7, 1, 9, tzinfo=dt.UTC)


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1, written as the RFC writes it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])).digest()


@given(st.lists(st.binary(max_size=8), max_size=70), st.integers(0, 80))
def test_the_streaming_root_is_rfc_6962s(leaves: list[bytes], size: int) -> None:
    assert merkle_root(leaves) == (len(leaves), reference_root(leaves))
    taken = min(size, len(leaves))
    assert merkle_root(leaves, size) == (taken, reference_root(leaves[:taken]))


def test_the_known_answers_of_rfc_6962() -> None:
    assert merkle_root([])[1].hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([b""])[1].hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def chain_of(records: list[Record]) -> tuple[list[ChainRow], ChainHead]:
    rows, previous = [], GENESIS
    versions: dict[str, int] = {}
    for sequence, record in enumerate(records, start=1):
        previous = chain_hash(previous, sequence, canonical_bytes(record))
        versions[record.subject] = versions.get(record.subject, 0) + 1
        rows.append(
            ChainRow(sequence=sequence, version=versions[record.subject], record=record, hash=previous)
        )
    return rows, ChainHead(sequence=len(rows), hash=previous)


RECORDS = every_person_record_type("P1", "522631101", "522631102")


def test_a_store_that_grew_still_extends_its_checkpoint() -> None:
    rows, head = chain_of(RECORDS[:20])
    checkpoint = make_checkpoint(rows, head, KEY, AT)
    assert (checkpoint.size, checkpoint.head) == (20, head.hash)
    grown, _ = chain_of(RECORDS)
    assert check_checkpoint(grown, checkpoint, public_key_of(KEY)).extends
    assert Checkpoint.from_data(checkpoint.to_data()) == checkpoint


def test_a_deleted_tail_with_a_rewritten_head_verifies_but_does_not_extend_the_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    checkpoint = make_checkpoint(rows, head, KEY, AT)
    cut, cut_head = chain_of(RECORDS[:-3])
    assert verify_chain(cut, cut_head).intact  # the chain alone cannot tell
    report = check_checkpoint(cut, checkpoint, public_key_of(KEY))
    assert not report.extends
    assert "fewer than" in (report.reason or "")


def test_a_history_rewritten_whole_does_not_extend_the_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    checkpoint = make_checkpoint(rows, head, KEY, AT)
    rewritten = [*RECORDS[:5], attrs.evolve(RECORDS[5], recorded_by="someone-else"), *RECORDS[6:]]
    again, again_head = chain_of(rewritten)
    assert verify_chain(again, again_head).intact
    assert not check_checkpoint(again, checkpoint, public_key_of(KEY)).extends


def test_a_checkpoint_counts_only_under_the_key_the_verifier_trusts() -> None:
    rows, head = chain_of(RECORDS)
    forged = make_checkpoint(rows, head, OTHER_KEY, AT)
    assert "another key" in (check_checkpoint(rows, forged, public_key_of(KEY)).reason or "")
    honest = make_checkpoint(rows, head, KEY, AT)
    altered = attrs.evolve(honest, size=honest.size - 1)
    assert "does not verify" in (check_checkpoint(rows, altered, public_key_of(KEY)).reason or "")


def test_a_broken_chain_gets_no_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    with pytest.raises(InvalidInput, match="broken at sequence 3"):
        make_checkpoint([*rows[:2], *rows[3:]], head, KEY, AT)
