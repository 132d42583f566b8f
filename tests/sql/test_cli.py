"""``antidrug init``, ``load``, ``export`` and ``audit verify`` on every engine; round trips lose nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from antidrug_core.cli import main
from antidrug_core.commands.store import CHAIN_BROKEN
from antidrug_core.interchange import Dataset, read_dataset, write_dataset
from antidrug_core.model import Actor, Role
from antidrug_core.store import Store
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from antidrug_sql.schema import head_revision
from antidrug_sql.tables import RECORDS

SPEC = SyntheticSpec.demo(seed=7, people=40, townships=4)


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    """A realistic dataset (synthetic county: transfers, voids, tests …) as a file."""
    records = [record for person in person_records(SPEC) for record in person]
    document = write_dataset(records, divisions=divisions(SPEC), policy=SPEC.policy)
    path = tmp_path / "county.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def same_data(left: Dataset, right: Dataset) -> None:
    assert left.policy == right.policy
    assert sorted(left.divisions, key=lambda d: d.code) == sorted(right.divisions, key=lambda d: d.code)
    assert left.by_person() == right.by_person()


def test_init_load_export_and_verify_round_trip_on_every_engine(
    databases: Any, dataset_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    status, out, _err = run(capsys, "init", "--db", url)
    created, policy = out.strip().splitlines()
    assert (status, f"created the store (schema revision {head_revision()})") == (
        0,
        created.split(": ", 1)[1],
    )
    assert policy.endswith("keeps no policy yet (the first load or records written set it)")
    status, out, _err = run(capsys, "init", "--db", url)
    assert status == 0
    assert "up to date" in out

    original = read_dataset(json.loads(dataset_file.read_text(encoding="utf-8")))
    status, out, err = run(capsys, "load", "--dataset", str(dataset_file), "--db", url)
    assert status == 0, err
    assert f"loaded {len(original.people())} people and {len(original.records)} records" in out

    exported = tmp_path / "exported.json"
    # Every file, sealed ones (封存) included, for a round trip: an authorised export with a reason.
    status, _out, err = run(
        capsys, "export", "--db", url, "-o", str(exported), "--sealed", "--reason", "迁移到新库"
    )
    assert status == 0, err
    same_data(read_dataset(json.loads(exported.read_text(encoding="utf-8"))), original)

    status, out, _err = run(capsys, "audit", "verify", "--db", url)
    assert status == 0
    assert f"audit chain intact: {len(original.records)} records" in out


def test_without_db_the_store_is_a_sqlite_file_in_the_working_folder(
    tmp_path: Path, dataset_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "load", "--dataset", str(dataset_file))[0] == 0
    assert (tmp_path / "antidrug.db").exists()
    status, out, _err = run(capsys, "export")
    assert status == 0
    assert json.loads(out)["format"] == "antidrug-dataset/1"


def test_a_sqlite_store_needs_no_server_driver(tmp_path: Path, dataset_file: Path) -> None:
    """``pip install antidrug-core`` has neither psycopg nor PyMySQL (they are extras): loading and
    exporting on the embedded default must not import them."""
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    script = (
        "import sys\n"
        "sys.modules['psycopg'] = sys.modules['pymysql'] = None  # as if not installed\n"
        "from antidrug_core.cli import main\n"
        f"url = {url!r}\n"
        f"status = main(['load', '--dataset', {str(dataset_file)!r}, '--db', url])\n"
        "sys.exit(status or main(['audit', 'verify', '--db', url]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "loaded 40 people" in done.stdout
    assert "audit chain intact" in done.stdout


def test_audit_verify_names_the_first_altered_record_and_exits_3(
    tmp_path: Path, dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'audited.db'}"
    assert run(capsys, "load", "--dataset", str(dataset_file), "--db", url)[0] == 0
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.delete(RECORDS).where(RECORDS.c.sequence == 17))
    engine.dispose()
    status, _out, err = run(capsys, "audit", "verify", "--db", url)
    assert status == CHAIN_BROKEN
    assert "audit chain broken at sequence 17: sequence 17 is missing" in err


def test_a_dataset_with_errors_is_refused_whole_naming_each_problem(
    tmp_path: Path, dataset_file: Path, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(dataset_file.read_text(encoding="utf-8"))
    document["records"][3]["on"] = "2023-02-30"
    document["records"][5]["person"] = "nobody"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'refused.db'}"
    status, _out, err = run(capsys, "load", "--dataset", str(broken), "--db", url)
    assert status == 2
    assert "records[3].on" in err
    assert "records[5].person: unknown person 'nobody'" in err
    with open_sql(url).unit_of_work(Actor.local_administrator()) as uow:
        assert uow.people() == []


def test_loading_people_already_in_the_store_is_refused_and_writes_nothing(
    databases: Any, dataset_file: Path, open_sql: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    assert run(capsys, "load", "--dataset", str(dataset_file), "--db", url)[0] == 0
    store = open_sql(url)
    auditor = Actor(id="auditor", role=Role.AUDITOR, unrestricted=True)
    with store.unit_of_work(auditor) as uow:
        before = [(f.person, len(f)) for f in uow.files()]
    status, _out, err = run(capsys, "load", "--dataset", str(dataset_file), "--db", url)
    assert status == 2
    assert "is already in the store" in err
    assert "a dataset loads only people, units and organisations new to the store" in err
    with store.unit_of_work(auditor) as uow:
        assert [(f.person, len(f)) for f in uow.files()] == before


def test_a_dataset_loads_into_the_memory_store_through_units_of_work(dataset_file: Path) -> None:
    from antidrug_core.bootstrap import open_store
    from antidrug_core.commands.store import export_document, load_dataset

    original = read_dataset(json.loads(dataset_file.read_text(encoding="utf-8")))
    with open_store("memory://") as store:
        result = load_dataset(store, original)
        assert (result.people, result.records) == (len(original.people()), len(original.records))
        same_data(read_dataset(export_document(store, sealed_reason="迁移到新库")), original)


def test_audit_verify_checks_the_in_memory_store_too(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys, "audit", "verify", "--db", "memory://")
    assert status == 0
    assert f"memory://: audit chain intact: 0 records, head {bytes(32).hex()}" in out
