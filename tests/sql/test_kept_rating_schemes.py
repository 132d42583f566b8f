"""A store keeps the rating schemes loaded with a dataset: ``ratings --db`` reads the file's stars.

On every engine: the scheme is kept in the store's ledger when the dataset
is loaded, ``antidrug ratings --db`` gives the same document as
``--dataset``, ``antidrug export`` writes the scheme back, ``antidrug audit
verify`` covers it, and a changed scheme of a kept id is refused with
nothing loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from antidrug_core.cli import main
from antidrug_core.commands.store import CHAIN_BROKEN
from antidrug_core.ledger import EntryKind
from antidrug_sql.tables import LEDGER, RECORDS

SCHEME: dict[str, Any] = {
    "id": "province@2023",
    "name": "某省社区戒毒康复工作中心星级评定细则",
    "items": [{"id": "org", "name": "组织领导", "max": 40}, {"id": "work", "name": "工作机制", "max": 60}],
    "stars": [{"stars": 1, "min": 60}, {"stars": 2, "min": 75}, {"stars": 3, "min": 90}],
}


def dataset(scheme: dict[str, Any], *, organisation: str = "C1", record: str = "r1") -> dict[str, Any]:
    return {
        "format": "antidrug-dataset/1",
        "time_zone": "Asia/Shanghai",
        "divisions": [{"code": "522631", "name": "某县"}, {"code": "522631101", "name": "甲乡"}],
        "organisations": [
            {
                "id": organisation,
                "name": "甲乡社区戒毒康复工作中心",
                "kind": "rehab_centre",
                "division": "522631101",
            }
        ],
        "rating_schemes": [scheme],
        "records": [
            {
                "type": "rating_assessed",
                "id": record,
                "organisation": organisation,
                "on": "2023-05-20",
                "scheme": "province@2023",
                "scores": {"org": 35, "work": "42.5"},
            }
        ],
    }


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_ratings_from_the_store_give_the_stars_the_dataset_gives_and_export_keeps_the_scheme(
    databases: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    path = write(tmp_path / "ratings.json", dataset(SCHEME))
    assert run(capsys, "load", "--dataset", str(path), "--db", url)[0] == 0

    status, from_file, err = run(capsys, "ratings", "--dataset", str(path), "--as-of", "2023-06-30")
    assert status == 0, err
    status, from_store, err = run(capsys, "ratings", "--db", url, "--as-of", "2023-06-30")
    assert status == 0, err
    assert json.loads(from_store) == json.loads(from_file)
    (row,) = json.loads(from_store)["ratings"]
    assert (row["scheme"], row["total"], row["stars"]) == ("province@2023", "77.5", 2)

    exported = tmp_path / "exported.json"
    assert run(capsys, "export", "--db", url, "-o", str(exported))[0] == 0
    (kept,) = json.loads(exported.read_text(encoding="utf-8"))["rating_schemes"]
    assert (kept["id"], [i["max"] for i in kept["items"]], [s["min"] for s in kept["stars"]]) == (
        "province@2023",
        ["40", "60"],
        ["60", "75", "90"],
    )

    status, _out, err = run(capsys, "audit", "verify", "--db", url)
    assert status == 0, err


def test_a_scheme_changed_in_the_ledger_breaks_the_audit(
    databases: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    assert (
        run(capsys, "load", "--dataset", str(write(tmp_path / "d.json", dataset(SCHEME))), "--db", url)[0]
        == 0
    )
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            payload = connection.execute(
                sa.select(LEDGER.c.payload).where(LEDGER.c.kind == EntryKind.RATING_SCHEME.value)
            ).scalar_one()
            # Two stars for 70 instead of 75: the ratings would read more stars than were earned.
            changed = payload.replace('"min":"75"', '"min":"70"')
            assert changed != payload
            connection.execute(
                sa.update(LEDGER)
                .where(LEDGER.c.kind == EntryKind.RATING_SCHEME.value)
                .values(payload=changed)
            )
    finally:
        engine.dispose()
    status, _out, err = run(capsys, "audit", "verify", "--db", url)
    assert status == CHAIN_BROKEN
    assert "ledger broken" in err


def test_a_changed_scheme_of_a_kept_id_is_refused_and_nothing_is_loaded(
    databases: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    assert (
        run(capsys, "load", "--dataset", str(write(tmp_path / "a.json", dataset(SCHEME))), "--db", url)[0]
        == 0
    )
    again = write(tmp_path / "same.json", dataset(SCHEME, organisation="C2", record="r2"))
    assert run(capsys, "load", "--dataset", str(again), "--db", url)[0] == 0

    changed = {**SCHEME, "stars": [{"stars": 1, "min": 50}]}
    other = write(tmp_path / "b.json", dataset(changed, organisation="C3", record="r3"))
    status, _out, err = run(capsys, "load", "--dataset", str(other), "--db", url)
    assert status != 0
    assert "province@2023" in err
    assert "differs from the scheme of that id the store keeps" in err
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(RECORDS)).scalar_one() == 4
            kinds = connection.execute(
                sa.select(sa.func.count())
                .select_from(LEDGER)
                .where(LEDGER.c.kind == EntryKind.RATING_SCHEME.value)
            ).scalar_one()
    finally:
        engine.dispose()
    assert kinds == 1
