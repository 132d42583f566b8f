"""Sealed files on the SQL store: queries are entered in the ledger that ``audit verify`` checks, on every
engine; the schema upgrades to keep sealing decisions; and the command line seals, shows and counts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from antidrug_core.cli import main
from antidrug_core.ledger import EntryKind
from antidrug_core.model import Actor, PersonId, Role, Status
from antidrug_core.ports import SealedReadRecorder
from antidrug_core.services import register_person, seal_file
from antidrug_core.store import Store
from antidrug_core.testing import verification_problems
from antidrug_sql.schema import alembic_config, head_revision
from antidrug_sql.tables import CHAIN_HEAD, LEDGER, RECORDS

TOWNSHIP = "522631101"
ADMIN = Actor.local_administrator()
BASIS = "治安管理处罚法第一百三十六条"


@pytest.fixture
def sealed_store(databases: Any, open_sql: Callable[..., Store]) -> Store:
    """P1 sealed by decision and read once with a reason; P2 open."""
    store = open_sql(databases.new())
    for person in ("P1", "P2"):
        with store.unit_of_work(ADMIN) as uow:
            register_person(
                uow, household=TOWNSHIP, on=dt.date(2023, 1, 5), status=Status.COMMUNITY_DETOX, person=person
            )
            uow.commit()
    with store.unit_of_work(ADMIN) as uow:
        seal_file(uow, PersonId("P1"), basis=BASIS, reason="依申请")
        uow.commit()
    with store.unit_of_work(ADMIN) as uow:
        uow.sealed_file(PersonId("P1"), "法院调取案卷")
    assert verification_problems(store) == []
    return store


def test_each_query_is_a_ledger_entry_that_verification_holds_to_its_hash(sealed_store: Store) -> None:
    recorder = sealed_store.recorder
    assert isinstance(recorder, SealedReadRecorder)
    reads = recorder.sealed_reads()
    assert [(r.person, r.by, r.reason, r.purpose) for r in reads] == [
        ("P1", "local", "依申请", "seal"),
        ("P1", "local", "法院调取案卷", "read"),
    ]
    assert all(r.at is not None and r.at.tzinfo is not None for r in reads)
    engine: sa.Engine = recorder.engine  # type: ignore[attr-defined]
    last = sa.select(sa.func.max(LEDGER.c.sequence)).scalar_subquery()
    with engine.begin() as connection:
        row = dict(connection.execute(sa.select(LEDGER).where(LEDGER.c.sequence == last)).mappings().one())
    assert row["kind"] == EntryKind.SEALED_READ.value
    assert "法院调取案卷" in row["payload"]

    def after(tampering: Callable[[sa.Connection], None]) -> list[str]:
        with engine.begin() as connection:
            tampering(connection)
        found = verification_problems(sealed_store)
        with engine.begin() as connection:  # put the row back as it was
            connection.execute(sa.delete(LEDGER).where(LEDGER.c.sequence == row["sequence"]))
            connection.execute(sa.insert(LEDGER).values(**row))
        return found

    # The reason rewritten, the reader changed, the query deleted: each is found.
    changed = row["payload"].replace("法院调取案卷", "例行检查")
    assert after(
        lambda c: c.execute(
            sa.update(LEDGER).where(LEDGER.c.sequence == row["sequence"]).values(payload=changed)
        )
    )
    assert after(
        lambda c: c.execute(
            sa.update(LEDGER)
            .where(LEDGER.c.sequence == row["sequence"])
            .values(payload=row["payload"].replace('"by":"local"', '"by":"someone"'))
        )
    )
    assert after(lambda c: c.execute(sa.delete(LEDGER).where(LEDGER.c.sequence == row["sequence"])))
    assert verification_problems(sealed_store) == []


def test_a_routine_role_reads_nothing_of_a_sealed_file_on_the_server(sealed_store: Store) -> None:
    officer = Actor(id="officer", role=Role.OFFICER, divisions={TOWNSHIP})
    with sealed_store.unit_of_work(officer) as uow:
        assert uow.people() == ["P2"]
        assert uow.sealed_count() == 1
        assert not uow.exists(PersonId("P1"))


def test_a_store_of_revision_0008_upgrades_and_keeps_sealing_decisions(
    sealed_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    engine: sa.Engine = sealed_store.recorder.engine  # type: ignore[attr-defined]
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as connection:
        stored = connection.execute(
            sa.select(RECORDS.c.basis, RECORDS.c.reason).where(RECORDS.c.type == "file_sealed")
        ).one()
    assert tuple(stored) == (BASIS, "依申请")
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0008")
        assert "basis" not in {c["name"] for c in sa.inspect(connection).get_columns("antidrug_records")}
    sealed_store.close()
    assert main(["init", "--db", url]) == 0
    assert f"to {head_revision()}" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", url]) == 0
    assert "ledger intact" in capsys.readouterr().out
    with engine.begin() as connection:
        sequence = connection.execute(sa.select(CHAIN_HEAD.c.ledger_sequence)).scalar()
    assert sequence is not None


# --- the command line -------------------------------------------------------------------------------

DATASET = {
    "format": "antidrug-dataset/1",
    "time_zone": "Asia/Shanghai",
    "divisions": [{"code": "522631", "name": "某县"}, {"code": TOWNSHIP, "name": "甲乡", "parent": "522631"}],
    "people": [
        {"id": "P1", "household": TOWNSHIP, "registered_on": "2018-01-01"},
        {"id": "P2", "household": TOWNSHIP, "registered_on": "2018-01-01"},
        {"id": "P3", "household": TOWNSHIP, "registered_on": "2018-01-01"},
    ],
    "records": [
        {
            "id": "a1",
            "type": "status_changed",
            "person": "P1",
            "on": "2018-01-01",
            "status": "community_detox",
        },
        {"id": "a2", "type": "status_changed", "person": "P1", "on": "2021-01-01", "status": "abstinent_3y"},
        {
            "id": "b1",
            "type": "status_changed",
            "person": "P2",
            "on": "2018-01-01",
            "status": "community_detox",
        },
        {
            "id": "c1",
            "type": "status_changed",
            "person": "P3",
            "on": "2018-01-01",
            "status": "community_detox",
        },
    ],
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_line_seals_shows_counts_exports_and_lists_the_queries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """P1 is sealed by rule (concluded abstinent in 2021, three years before any run of this test);
    P2 is sealed by decision; P3 stays open."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    dataset = tmp_path / "d.json"
    dataset.write_text(json.dumps(DATASET, ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "load", "--db", db, "--dataset", str(dataset))[0] == 0
    status, out, _ = run(capsys, "seal", "--db", db, "--person", "P2", "--basis", BASIS, "--reason", "依申请")
    assert status == 0
    assert "sealed the file of P2" in out
    status, out, _ = run(capsys, "people", "--db", db)
    assert [line.split("\t")[0] for line in out.splitlines()[1:]] == ["P3"]
    assert run(capsys, "people", "--db", db, "--sealed-count")[1] == "sealed\t2\n"
    # A sealed file and a missing one answer in the same words.
    sealed = run(capsys, "people", "show", "--db", db, "--person", "P1")
    missing = run(capsys, "people", "show", "--db", db, "--person", "P9")
    assert (sealed[0], sealed[2].replace("P1", "P9")) == (missing[0], missing[2]) == (1, missing[2])
    status, _, err = run(capsys, "people", "show", "--db", db, "--person", "P1", "--sealed")
    assert status == 2
    assert "--reason" in err
    status, out, _ = run(
        capsys,
        "people",
        "show",
        "--db",
        db,
        "--person",
        "P1",
        "--sealed",
        "--reason",
        "检察院调阅",
        "--format",
        "json",
    )
    assert status == 0
    shown = json.loads(out)
    assert (shown["person"], shown["status"], shown["sealed_by"], shown["basis"]) == (
        "P1",
        "abstinent_3y",
        "rule",
        BASIS,
    )
    status, out, err = run(capsys, "export", "--db", db)
    assert status == 0
    assert {p["id"] for p in json.loads(out)["people"]} == {"P3"}
    assert "2 sealed files" in err
    status, out, _ = run(capsys, "export", "--db", db, "--sealed", "--reason", "复核上报数字")
    assert {p["id"] for p in json.loads(out)["people"]} == {"P1", "P2", "P3"}
    status, out, _ = run(capsys, "audit", "sealed-reads", "--db", db)
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    assert [(r[3], r[4], r[5]) for r in rows] == [
        ("P2", "seal", "依申请"),
        ("P1", "read", "检察院调阅"),
        ("P1", "export", "复核上报数字"),
        ("P2", "export", "复核上报数字"),
    ]
    assert run(capsys, "audit", "verify", "--db", db)[0] == 0
    status, out, _ = run(
        capsys,
        "unseal",
        "--db",
        db,
        "--person",
        "P2",
        "--basis",
        "戒毒条例第七条",
        "--reason",
        "复吸后重新管控",
    )
    assert status == 0
    assert run(capsys, "people", "--db", db, "--sealed-count")[1] == "sealed\t1\n"
    status, _, err = run(capsys, "unseal", "--db", db, "--person", "P3", "--basis", "x", "--reason", "y")
    assert status == 2
    assert "not sealed" in err
