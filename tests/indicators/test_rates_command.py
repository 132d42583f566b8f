"""``antidrug rates``: formats, options, evidence and refusals."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main

DOCUMENT: dict[str, Any] = {
    "format": "antidrug-dataset/1",
    "divisions": [{"code": "522631", "name": "某县"}, {"code": "522631101", "name": "甲乡"}],
    "people": [
        {"id": "P1", "household": "522631101", "registered_on": "2020-01-01"},
        {"id": "P2", "household": "522631101", "registered_on": "2020-01-01"},
        {"id": "P3", "household": "522631101", "registered_on": "2020-01-01"},
    ],
    "records": [
        {"type": "status_changed", "person": "P1", "on": "2020-01-01", "status": "registered"},
        {"type": "status_changed", "person": "P2", "on": "2020-01-01", "status": "registered"},
        {"type": "status_changed", "person": "P3", "on": "2020-01-01", "status": "abstinent_3y"},
        {"id": "f1", "type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"},
        {"id": "f2", "type": "face_check", "person": "P2", "on": "2023-07-01", "method": "home_visit"},
        {"id": "f3", "type": "face_check", "person": "P2", "on": "2023-04-01", "method": "home_visit"},
        {"type": "face_check", "person": "P2", "on": "2023-04-02", "voids": "f3"},
        {
            "id": "f4",
            "type": "face_check",
            "person": "P2",
            "on": "2023-05-01",
            "method": "home_visit",
            "recorded_at": "2023-07-20T09:00:00+08:00",
        },
    ],
}


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    path = tmp_path / "county.json"
    path.write_text(json.dumps(DOCUMENT, ensure_ascii=False), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["rates", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_is_the_default_and_follows_the_rates_format(
    capsys: pytest.CaptureFixture[str], dataset_file: Path
) -> None:
    status, out, _ = run(capsys, "--dataset", str(dataset_file), "--period", "2023H1")
    assert status == 0
    document = json.loads(out)
    assert list(document) == ["format", "period", "known_at", "policy", "input", "results"]
    assert document["policy"] == {
        "responsible": "household_first",
        "test_window_days": 7,
        "time_zone": "Asia/Shanghai",
    }
    face = next(
        r for r in document["results"] if r["indicator"] == "face_check_rate" and r["division"] == "522631101"
    )
    assert list(face)[:12] == [
        "indicator",
        "version",
        "digest",
        "division",
        "initial_population",
        "denominator",
        "denominator_exclusion",
        "denominator_exception",
        "numerator",
        "numerator_exclusion",
        "value",
        "display",
    ]
    assert (face["net_denominator"], face["net_numerator"]) == (2, 2)
    # P1 and P2 managed; P1 checked (P2's are after the period, voided, and — known now — in the period).
    assert (face["initial_population"], face["numerator"], face["value"], face["display"]) == (
        2,
        2,
        "1",
        "100.00%",
    )
    assert face["digest"].startswith("sha256:")
    assert (face["unit"], face["view"]) == ("percent", "responsible")


def test_csv_has_a_row_per_result_with_names(capsys: pytest.CaptureFixture[str], dataset_file: Path) -> None:
    status, out, _ = run(
        capsys,
        "--dataset",
        str(dataset_file),
        "--period",
        "2023H1",
        "--indicator",
        "face_check_rate",
        "--format",
        "csv",
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["division"], r["division_name"], r["name"], r["display"]) for r in rows] == [
        ("522631", "某县", "见面核查率", "100.00%"),
        ("522631101", "甲乡", "见面核查率", "100.00%"),
    ]


def test_the_table_aligns_chinese_names(capsys: pytest.CaptureFixture[str], dataset_file: Path) -> None:
    status, out, _ = run(
        capsys,
        "--dataset",
        str(dataset_file),
        "--period",
        "2023H1",
        "--indicator",
        "face_check_rate",
        "--indicator",
        "abstinent_3y",
        "--format",
        "table",
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("antidrug-rates/1  period 2023-01-01/2023-06-30")
    table = [line for line in lines if line.startswith("5226")]
    assert len(table) == 4
    assert any("见面核查率" in line and line.endswith("100.00%") for line in table)
    assert any("戒断三年未复吸人员" in line and line.endswith("1") for line in table)


def test_known_at_leaves_out_what_was_recorded_later(
    capsys: pytest.CaptureFixture[str], dataset_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "--dataset",
        str(dataset_file),
        "--period",
        "2023H1",
        "--known-at",
        "2023-07-05T12:00:00+08:00",
        "--division",
        "522631101",
        "--indicator",
        "face_check_rate",
    )
    assert status == 0
    (face,) = json.loads(out)["results"]
    # f4 was recorded on 07-20: as known on 07-05, P2 had no face check in the period.
    assert (face["numerator"], face["display"]) == (1, "50.00%")


def test_explain_adds_the_evidence_to_the_indicators_results(
    capsys: pytest.CaptureFixture[str], dataset_file: Path
) -> None:
    status, out, _ = run(
        capsys,
        "--dataset",
        str(dataset_file),
        "--period",
        "2023H1",
        "--known-at",
        "2023-07-05T12:00:00+08:00",
        "--explain",
        "face_check_rate",
        "--division",
        "522631101",
    )
    assert status == 0
    results = json.loads(out)["results"]
    assert all(("evidence" in r) == (r["indicator"] == "face_check_rate") for r in results)
    evidence = next(r for r in results if r["indicator"] == "face_check_rate")["evidence"]
    assert evidence["populations"]["numerator"] == ["P1"]
    assert evidence["populations"]["initial_population"] == ["P1", "P2"]
    p2 = next(s for s in evidence["subjects"] if s["person"] == "P2")
    numerator = next(c for c in p2["checks"] if c["population"] == "numerator")
    assert numerator["met"] is False
    notes = {r["id"]: r["note"] for r in numerator["records"]}
    assert notes["f2"] == "dated 2023-07-01, after the period end"
    assert notes["f3"].startswith("voided by records[6]")
    assert notes["f4"].startswith("recorded 2023-07-20T09:00:00+08:00, after known_at")
    p3 = next(s for s in evidence["subjects"] if s["person"] == "P3")
    assert p3["populations"] == []
    assert "abstinent_3y" in p3["checks"][0]["because"]


def test_explain_as_a_table_and_as_csv(capsys: pytest.CaptureFixture[str], dataset_file: Path) -> None:
    base = ["--dataset", str(dataset_file), "--period", "2023H1", "--explain", "face_check_rate"]
    status, out, _ = run(capsys, *base, "--format", "table", "--division", "522631101")
    assert status == 0
    assert "== face_check_rate 见面核查率 — 522631101 甲乡" in out
    assert "✗ IP status_in: status on 2023-06-30 is abstinent_3y" in out
    status, out, _ = run(capsys, *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["division"] for r in rows} == {"522631", "522631101"}
    assert {(r["subject"], r["population"], r["met"]) for r in rows if r["division"] == "522631101"} == {
        ("P1", "initial_population", "yes"),
        ("P1", "numerator", "yes"),
        ("P2", "initial_population", "yes"),
        ("P2", "numerator", "yes"),
        ("P3", "initial_population", "no"),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2023H3"], "--period"),
        (["--period", "2023-06-30/2023-01-01"], "ends (2023-01-01) before it starts"),
        (["--period", "2023H1", "--known-at", "yesterday"], "--known-at"),
        (["--period", "2023H1", "--indicator", "happiness_rate"], "unknown indicator 'happiness_rate'"),
        (["--period", "2023H1", "--division", "522631999"], "no division '522631999'"),
        (["--period", "2023H1", "--division", "5226"], "not a division code"),
        (["--period", "2023H1", "--explain", "care_rate", "--indicator", "face_check_rate"], "--explain"),
        (["--period", "2023H1", "--explain", "nothing"], "unknown indicator 'nothing'"),
    ],
)
def test_bad_options_are_refused_with_a_reason(
    capsys: pytest.CaptureFixture[str], dataset_file: Path, args: list[str], message: str
) -> None:
    status, out, err = run(capsys, "--dataset", str(dataset_file), *args)
    assert status == 2
    assert out == ""
    assert message in err


def test_a_missing_dataset_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "--dataset", str(tmp_path / "nowhere.json"), "--period", "2023H1")
    assert status == 2
    assert "nowhere.json" in err


def test_dataset_and_db_are_alternatives(capsys: pytest.CaptureFixture[str], dataset_file: Path) -> None:
    with pytest.raises(SystemExit):
        main(["rates", "--dataset", str(dataset_file), "--db", "memory://", "--period", "2023H1"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_store_is_evaluated_through_db(capsys: pytest.CaptureFixture[str]) -> None:
    # An empty in-memory store: no division is known and nobody is attributed, so nothing to list.
    status, out, _ = run(capsys, "--db", "memory://", "--period", "2023H1")
    assert status == 0
    assert json.loads(out)["results"] == []
    status, out, _ = run(
        capsys, "--db", "memory://", "--period", "2023H1", "--division", "522631", "--indicator", "managed"
    )
    (managed,) = json.loads(out)["results"]
    assert (managed["division"], managed["value"]) == ("522631", "0")


def test_the_installed_command_prints_the_same_document(dataset_file: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "antidrug_core.cli",
            "rates",
            "--dataset",
            str(dataset_file),
            "--period",
            "2023H1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(completed.stdout)["format"] == "antidrug-rates/1"


def test_a_dataset_loaded_into_the_embedded_store_gives_the_same_document(
    capsys: pytest.CaptureFixture[str], dataset_file: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'antidrug.db'}"
    assert main(["load", "--dataset", str(dataset_file), "--db", url]) == 0
    args = ["--period", "2023H1", "--known-at", "2023-07-05T12:00:00+08:00", "--explain", "face_check_rate"]
    _, from_store, _ = run(capsys, "--db", url, *args)
    _, from_file, _ = run(capsys, "--dataset", str(dataset_file), *args)
    store_document, file_document = json.loads(from_store), json.loads(from_file)
    # Only the input differs: the store names its audit chain head, the file its digest.
    assert store_document.pop("input")["kind"] == "store"
    assert file_document.pop("input")["kind"] == "dataset"
    # And P3, concluded abstinent on 2020-01-01, is sealed in the store (封存) from 2023-01-01:
    # counted in the same figures, named in no evidence, where a count stands in for it.
    sealed = 0
    for stored, filed in zip(store_document["results"], file_document["results"], strict=True):
        evidence = filed.get("evidence")
        if evidence is None:
            continue
        hidden = {s["key"] for s in evidence["subjects"] if s.get("person") == "P3"}
        evidence["subjects"] = [s for s in evidence["subjects"] if s["key"] not in hidden]
        counts = {label: len(set(keys) & hidden) for label, keys in evidence["populations"].items()}
        evidence["populations"] = {
            label: [k for k in keys if k not in hidden] for label, keys in evidence["populations"].items()
        }
        if any(counts.values()):
            evidence["sealed"] = {label: n for label, n in counts.items() if n}
        sealed += bool(hidden)
        assert stored == filed
    assert sealed
    assert store_document == file_document
