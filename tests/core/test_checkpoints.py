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
    CheckpointReport,
    check_checkpoint,
    make_checkpoint,
    merkle_root,
)
from antidrug_core.ledger import GENESIS as LEDGER_GENESIS
from antidrug_core.ledger import EntryKind, LedgerRow, entry_text, ledger_hash, replay_ledger
from antidrug_core.model import InvalidInput, Record
from antidrug_core.testing import every_person_record_type
from antidrug_signing import Ed25519

ED25519 = Ed25519()
KEY = bytes(range(32))
PUBLIC = ED25519.public_key(KEY)
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
    checkpoint = make_checkpoint(rows, head, ED25519, KEY, AT)
    assert (checkpoint.size, checkpoint.head) == (20, head.hash)
    grown, _ = chain_of(RECORDS)
    assert check_checkpoint(grown, checkpoint, PUBLIC, ED25519).extends
    assert Checkpoint.from_data(checkpoint.to_data()) == checkpoint


def test_a_deleted_tail_with_a_rewritten_head_verifies_but_does_not_extend_the_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    checkpoint = make_checkpoint(rows, head, ED25519, KEY, AT)
    cut, cut_head = chain_of(RECORDS[:-3])
    assert verify_chain(cut, cut_head).intact  # the chain alone cannot tell
    report = check_checkpoint(cut, checkpoint, PUBLIC, ED25519)
    assert not report.extends
    assert "fewer than" in (report.reason or "")


def test_a_history_rewritten_whole_does_not_extend_the_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    checkpoint = make_checkpoint(rows, head, ED25519, KEY, AT)
    rewritten = [*RECORDS[:5], attrs.evolve(RECORDS[5], recorded_by="someone-else"), *RECORDS[6:]]
    again, again_head = chain_of(rewritten)
    assert verify_chain(again, again_head).intact
    assert not check_checkpoint(again, checkpoint, PUBLIC, ED25519).extends


def test_a_checkpoint_counts_only_under_the_key_the_verifier_trusts() -> None:
    rows, head = chain_of(RECORDS)
    forged = make_checkpoint(rows, head, ED25519, OTHER_KEY, AT)
    assert "another key" in (check_checkpoint(rows, forged, PUBLIC, ED25519).reason or "")
    honest = make_checkpoint(rows, head, ED25519, KEY, AT)
    altered = attrs.evolve(honest, size=honest.size - 1)
    assert "does not verify" in (check_checkpoint(rows, altered, PUBLIC, ED25519).reason or "")


def test_a_broken_chain_gets_no_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    with pytest.raises(InvalidInput, match="broken at sequence 3"):
        make_checkpoint([*rows[:2], *rows[3:]], head, ED25519, KEY, AT)


def ledger_of(names: list[str]) -> tuple[list[LedgerRow], ChainHead]:
    """A ledger naming one division again and again: each entry a rename."""
    rows, previous = [], LEDGER_GENESIS
    for sequence, name in enumerate(names, start=1):
        text = entry_text(EntryKind.DIVISION, "522631101", AT, {"name": name, "parent": None})
        previous = ledger_hash(previous, sequence, text)
        rows.append(LedgerRow(sequence, "division", "522631101", AT, None, None, text, previous))
    return rows, ChainHead(sequence=len(rows), hash=previous)


NAMES = [f"第{n}镇" for n in range(1, 8)]


def test_a_checkpoint_covers_the_ledger_and_reads_back() -> None:
    rows, head = chain_of(RECORDS)
    entries, ledger_head = ledger_of(NAMES)
    checkpoint = make_checkpoint(rows, head, ED25519, KEY, AT, (entries, ledger_head))
    assert (checkpoint.ledger_size, checkpoint.ledger_head) == (len(NAMES), ledger_head.hash)
    assert checkpoint.to_data()["format"] == "antidrug-checkpoint/2"
    assert Checkpoint.from_data(checkpoint.to_data()) == checkpoint
    grown, _ = ledger_of([*NAMES, "第八镇"])
    assert check_checkpoint(rows, checkpoint, PUBLIC, ED25519, grown) == CheckpointReport(True)


def test_a_ledger_tail_cut_or_rewritten_does_not_extend_the_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    entries, ledger_head = ledger_of(NAMES)
    checkpoint = make_checkpoint(rows, head, ED25519, KEY, AT, (entries, ledger_head))
    cut, cut_head = ledger_of(NAMES[:-2])
    assert replay_ledger(cut, cut_head.sequence, cut_head.hash).intact  # the ledger alone cannot tell
    report = check_checkpoint(rows, checkpoint, PUBLIC, ED25519, cut)
    assert not report.extends
    assert "the ledger holds 5 entries, fewer than the 7" in (report.reason or "")
    rewritten, _ = ledger_of([*NAMES[:-1], "丁镇"])
    report = check_checkpoint(rows, checkpoint, PUBLIC, ED25519, rewritten)
    assert "the first 7 ledger entries are not the ones" in (report.reason or "")
    assert "keeps none" in (check_checkpoint(rows, checkpoint, PUBLIC, ED25519, None).reason or "")


def test_a_broken_ledger_gets_no_checkpoint() -> None:
    rows, head = chain_of(RECORDS)
    entries, ledger_head = ledger_of(NAMES)
    with pytest.raises(InvalidInput, match="ledger"):
        make_checkpoint(rows, head, ED25519, KEY, AT, ([*entries[:2], *entries[3:]], ledger_head))


def test_a_records_only_checkpoint_reads_and_verifies_but_says_it_covers_no_ledger() -> None:
    rows, head = chain_of(RECORDS)
    old = make_checkpoint(rows, head, ED25519, KEY, AT)
    document = old.to_data()
    assert document["format"] == "antidrug-checkpoint/1"
    assert "ledger_size" not in document
    read = Checkpoint.from_data(document)
    entries, _ = ledger_of(NAMES)
    report = check_checkpoint(rows, read, PUBLIC, ED25519, entries)
    assert (report.extends, report.covers_ledger) == (True, False)
    with pytest.raises(InvalidInput, match="antidrug-checkpoint/2"):
        Checkpoint.from_data({**document, "format": "antidrug-checkpoint/3"})
