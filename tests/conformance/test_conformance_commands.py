"""``antidrug conformance export`` and ``check``: what another implementation's team runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.conformance import shipped_case_names
from antidrug_core.conformance import CASE_FORMAT, case_from_data
from antidrug_core.model import InvalidInput

VOIDS = "voids.voids_and_corrections"


def _rates_for(folder: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    question = json.loads((folder / "evaluate.json").read_text(encoding="utf-8"))
    command = question["command"]
    assert command[:4] == ["antidrug", "rates", "--dataset", "dataset.json"]
    capsys.readouterr()
    assert main(["rates", "--dataset", str(folder / "dataset.json"), *command[4:], "--format", "json"]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_export_writes_every_case_as_files_another_implementation_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conformance", "export", str(tmp_path)]) == 0
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in index["cases"]] == shipped_case_names()
    folder = tmp_path / VOIDS
    for name in ("dataset.json", "evaluate.json", "expected.json", "case.json", "README.md"):
        assert (folder / name).is_file(), name
    question = json.loads((folder / "evaluate.json").read_text(encoding="utf-8"))
    assert question["period"] == {"start": "2023-01-01", "end": "2023-06-30"}
    assert question["policy"] == {"responsible": "household_first", "test_window_days": 7}
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert expected["results"][0]["why"]
    # Our own output for the exported files passes the check.
    (tmp_path / "ours.json").write_text(json.dumps(_rates_for(folder, capsys)), encoding="utf-8")
    capsys.readouterr()
    assert main(["conformance", "check", "--case", VOIDS, "--results", str(tmp_path / "ours.json")]) == 0
    assert capsys.readouterr().out.startswith(f"ok    {VOIDS}")


def test_check_names_the_differing_population_and_the_reference_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["conformance", "export", str(tmp_path)])
    document = _rates_for(tmp_path / VOIDS, capsys)
    # Another implementation that lets a voided face check count: P1 joins its numerator.
    for result in document["results"]:  # type: ignore[attr-defined]
        if result["indicator"] == "face_check_rate" and result["division"] == "522631101":
            result.update(numerator=3, net_numerator=3, value="0.6", display="60.00%")
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    status = main(["conformance", "check", "--case", VOIDS, "--results", str(theirs)])
    out = capsys.readouterr().out
    assert status == 1
    assert "face_check_rate 522631101 numerator: expected 2, got 3" in out
    assert "the reference evaluator puts 2 in numerator:" in out
    # Who is in, who is out, and the records that decided it.
    assert "P3:" in out
    assert "P5:" in out
    assert "a1 face_check 2023-03-01: voided by" in out
    assert "value: expected '0.4', got '0.6'" in out


def test_check_of_a_case_that_must_be_refused_fails_any_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps({"format": "antidrug-rates/1", "results": []}), encoding="utf-8")
    name = "invalid_dataset.every_error_is_named_and_nothing_is_evaluated"
    assert main(["conformance", "check", "--case", name, "--results", str(theirs)]) == 1
    assert "refused at people[1].household" in capsys.readouterr().out


def test_an_unknown_case_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theirs = tmp_path / "theirs.json"
    theirs.write_text("{}", encoding="utf-8")
    assert main(["conformance", "check", "--case", "nope", "--results", str(theirs)]) == 2
    assert "no case 'nope'" in capsys.readouterr().err


def test_a_malformed_case_names_its_fields() -> None:
    with pytest.raises(InvalidInput) as caught:
        case_from_data({"format": CASE_FORMAT, "name": "x", "dataset": {}, "evaluate": {"period": "2023H9"}})
    said = str(caught.value)
    for where in ("title", "evaluate.period", "expected"):
        assert where in said, where


def test_a_case_of_units_is_data_like_any_other() -> None:
    # Nothing in the case format is about people: a case of unit records reads the same way.
    case = case_from_data(
        {
            "format": CASE_FORMAT,
            "name": "units.example",
            "title": "units",
            "dataset": {"format": "antidrug-dataset/1", "units": [{"id": "U1"}], "records": []},
            "evaluate": {"period": {"start": "2023-01-01", "end": "2023-12-31"}},
            "expected": {
                "results": [
                    {
                        "indicator": "precursor_units",
                        "division": "522631",
                        "numerator": 1,
                        "why": "U1 is in scope at the end.",
                    }
                ]
            },
        }
    )
    assert case.dataset["units"] == [{"id": "U1"}]


def test_a_case_may_ask_for_one_organisations_figures() -> None:
    # The question is data even before this library can answer it: export writes the
    # command another implementation runs, and running it here names what is missing.
    case = case_from_data(
        {
            "format": CASE_FORMAT,
            "name": "organisations.example",
            "title": "one organisation",
            "dataset": {"format": "antidrug-dataset/1"},
            "evaluate": {"period": "2023", "organisation": "O1"},
            "expected": {
                "results": [
                    {"indicator": "activities", "division": "522631", "numerator": 2, "why": "O1's two."}
                ]
            },
        }
    )
    assert case.evaluation.arguments()[-2:] == ["--organisation", "O1"]
    assert case.evaluation.data()["organisation"] == "O1"
