"""antidrug audit checkpoint and verify --checkpoint: a tail deleted with a rewritten head is caught."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.store import CHAIN_BROKEN

KEY = "11" * 32
DATASET = {
    "format": "antidrug-dataset/1",
    "divisions": [{"code": "522631101", "name": "某乡"}],
    "people": [{"id": "P1", "household": "522631101", "registered_on": "2023-01-05"}],
    "units": [{"id": "U1", "name": "某化工有限公司", "division": "522631101", "roles": ["use"]}],
    "records": [
        {
            "id": f"f{n}",
            "type": "face_check",
            "person": "P1",
            "on": f"2023-03-{n:02d}",
            "method": "home_visit",
        }
        for n in range(1, 6)
    ],
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ANTIDRUG_CHECKPOINT_KEY", KEY)
    source = tmp_path / "in.json"
    source.write_text(json.dumps(DATASET), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["load", "--dataset", str(source), "--db", url]) == 0
    return url


def test_a_store_extends_its_checkpoint_until_its_tail_is_cut(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = tmp_path / "checkpoint.json"
    assert main(["audit", "checkpoint", "--db", store, "-o", str(checkpoint)]) == 0
    written = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert (written["format"], written["size"], written["scheme"]) == ("antidrug-checkpoint/2", 7, "ed25519")
    assert main(["audit", "verify", "--db", store, "--checkpoint", str(checkpoint)]) == 0
    assert "extends the checkpoint" in capsys.readouterr().out

    # Someone with the database cuts the last two records and rewrites the head to match.
    path = store.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM antidrug_records WHERE sequence > 5")
        (last,) = db.execute("SELECT hash FROM antidrug_records WHERE sequence = 5").fetchone()
        db.execute("UPDATE antidrug_chain_head SET sequence = 5, hash = ?", (last,))
        db.execute("UPDATE antidrug_streams SET version = version - 2 WHERE subject = 'P1'")
    capsys.readouterr()
    # The record chain alone cannot tell; the ledger's arrivals (issue 14) still say 7 records came.
    assert main(["audit", "verify", "--db", store]) == CHAIN_BROKEN
    assert "the ledger says 7 records arrived, but the audit chain holds 5" in capsys.readouterr().err
    assert main(["audit", "verify", "--db", store, "--checkpoint", str(checkpoint)]) == CHAIN_BROKEN
    assert "fewer than the 7 the checkpoint covered" in capsys.readouterr().err


def test_a_checkpoint_needs_the_hosts_key(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTIDRUG_CHECKPOINT_KEY")
    assert main(["audit", "checkpoint", "--db", store]) == 2
    assert "ANTIDRUG_CHECKPOINT_KEY" in capsys.readouterr().err


def test_a_checkpoint_under_another_key_is_not_trusted(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoint = tmp_path / "checkpoint.json"
    monkeypatch.setenv("ANTIDRUG_CHECKPOINT_KEY", "22" * 32)
    assert main(["audit", "checkpoint", "--db", store, "-o", str(checkpoint)]) == 0
    monkeypatch.setenv("ANTIDRUG_CHECKPOINT_KEY", KEY)
    assert main(["audit", "verify", "--db", store, "--checkpoint", str(checkpoint)]) == CHAIN_BROKEN
