"""Checkpoints cover the ledger too: its tail deleted and its head rewritten is caught on every engine.

The ledger (policy, division names, identities' digests, arrivals) is a
hash chain like the records'. Whoever can write the whole database can cut
its last entries, move its head back and put the tables back to match:
``audit verify`` alone then finds nothing. A checkpoint states the ledger's
size and Merkle root beside the records', so ``verify --checkpoint`` finds
it. A checkpoint of the first format (records only) still verifies, and
says that it does not cover the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from antidrug_core.checkpoints import RECORDS_ONLY_FORMAT, make_checkpoint
from antidrug_core.cli import main
from antidrug_core.commands.store import CHAIN_BROKEN
from antidrug_core.ledger import EntryKind, entry_text, ledger_hash
from antidrug_core.model import Division
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.ports import AuditableRecorder, LedgerRecorder
from antidrug_core.store import Store
from antidrug_sql.tables import CHAIN_HEAD, DIVISIONS, LEDGER

from .test_ledger import ADMIN, TOWNSHIP, fill

KEY = "11" * 32


@pytest.fixture
def signed(
    databases: Any, open_sql: Callable[..., Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Store, str, Path]:
    """A store whose last ledger entry renames a township, and a checkpoint made right after it."""
    monkeypatch.setenv("ANTIDRUG_CHECKPOINT_KEY", KEY)
    store = open_sql(databases.new())
    fill(store)
    with store.unit_of_work(ADMIN) as uow:
        uow.add_divisions([Division(code=TOWNSHIP, name="甲镇人民政府", parent="522631")])
        uow.commit()
    url = store.recorder.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    checkpoint = tmp_path / "checkpoint.json"
    assert main(["audit", "checkpoint", "--db", url, "-o", str(checkpoint)]) == 0
    return store, url, checkpoint


def _last_entry(connection: sa.Connection) -> sa.Row[Any]:
    return connection.execute(sa.select(LEDGER).order_by(LEDGER.c.sequence.desc()).limit(1)).one()


def _hash_of(connection: sa.Connection, sequence: int) -> bytes:
    return bytes(
        connection.execute(sa.select(LEDGER.c.hash).where(LEDGER.c.sequence == sequence)).scalar_one()
    )


def test_a_checkpoint_states_both_trees(signed: tuple[Store, str, Path]) -> None:
    store, _url, checkpoint = signed
    written = json.loads(checkpoint.read_text(encoding="utf-8"))
    recorder = store.recorder
    assert isinstance(recorder, LedgerRecorder)
    head = recorder.ledger_head()
    assert written["format"] == "antidrug-checkpoint/2"
    assert (written["ledger_size"], written["ledger_head"]) == (head.sequence, head.hash.hex())
    assert len(bytes.fromhex(written["ledger_root"])) == 32


def test_the_ledgers_tail_cut_with_its_head_rewritten_is_caught_only_by_the_checkpoint(
    signed: tuple[Store, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store, url, checkpoint = signed
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # the rename undone, its entry cut, the head moved back
        last = _last_entry(connection)
        assert last.kind == "division"
        connection.execute(sa.delete(LEDGER).where(LEDGER.c.sequence == last.sequence))
        connection.execute(
            sa.update(CHAIN_HEAD).values(
                ledger_sequence=last.sequence - 1, ledger_hash=_hash_of(connection, last.sequence - 1)
            )
        )
        connection.execute(sa.update(DIVISIONS).where(DIVISIONS.c.code == TOWNSHIP).values(name="甲镇"))
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url]) == 0  # the chains alone cannot tell
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url, "--checkpoint", str(checkpoint)]) == CHAIN_BROKEN
    err = capsys.readouterr().err
    assert f"the ledger holds {last.sequence - 1} entries, fewer than the {last.sequence}" in err


def test_the_ledgers_head_rewritten_in_place_is_caught_by_the_checkpoint(
    signed: tuple[Store, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store, url, checkpoint = signed
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # the last entry replaced by another name, hashed and chained again
        last = _last_entry(connection)
        text = entry_text(EntryKind(last.kind), last.key, last.at, {"name": "丁镇", "parent": "522631"})
        rewritten = ledger_hash(_hash_of(connection, last.sequence - 1), last.sequence, text)
        connection.execute(
            sa.update(LEDGER).where(LEDGER.c.sequence == last.sequence).values(payload=text, hash=rewritten)
        )
        connection.execute(sa.update(CHAIN_HEAD).values(ledger_hash=rewritten))
        connection.execute(sa.update(DIVISIONS).where(DIVISIONS.c.code == TOWNSHIP).values(name="丁镇"))
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url, "--checkpoint", str(checkpoint)]) == CHAIN_BROKEN
    assert f"the first {last.sequence} ledger entries are not the ones" in capsys.readouterr().err


def test_a_store_that_only_grew_extends_its_checkpoint_in_both_trees(
    signed: tuple[Store, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store, url, checkpoint = signed
    with store.unit_of_work(ADMIN) as uow:
        uow.add_divisions([Division(code=TOWNSHIP, name="甲镇", parent="522631")])
        uow.commit()
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url, "--checkpoint", str(checkpoint)]) == 0
    assert "ledger entries)" in capsys.readouterr().out


def test_a_records_only_checkpoint_still_verifies_and_says_it_does_not_cover_the_ledger(
    signed: tuple[Store, str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, url, _checkpoint = signed
    recorder = store.recorder
    assert isinstance(recorder, AuditableRecorder)
    scheme = make_plugin_manager().hook.antidrug_signature_scheme()
    old = make_checkpoint(
        recorder.chain(), recorder.chain_head(), scheme, bytes.fromhex(KEY), store.clock.now()
    )
    assert old.to_data()["format"] == RECORDS_ONLY_FORMAT
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old.to_data()), encoding="utf-8")
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url, "--checkpoint", str(path)]) == 0
    assert "covers the records only, not the ledger" in capsys.readouterr().out
