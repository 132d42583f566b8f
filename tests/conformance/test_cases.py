"""Every shipped case, one test each: through ``antidrug conformance run`` and through ``antidrug rates``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.conformance import shipped_case_names, shipped_cases
from antidrug_core.conformance import check_document

from .conftest import Rates, case_named

NAMES = shipped_case_names()


def test_the_hand_worked_cases_ship_in_the_package() -> None:
    # The 22 cases of the first suite (one split in two) and any added since.
    assert len(NAMES) >= 23
    for case in shipped_cases():
        assert case.title
        assert case.about
        assert all(r.why.strip() for r in case.results), case.name
        assert all(e.why.strip() for e in case.errors), case.name


@pytest.mark.parametrize("name", NAMES)
def test_conformance_run_agrees_with_the_case(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["conformance", "run", "--case", name])
    out, _ = capsys.readouterr()
    assert status == 0, out
    assert out.startswith(f"ok    {name}")


@pytest.mark.parametrize("name", [c.name for c in shipped_cases() if not c.errors])
def test_the_rates_command_agrees_with_the_case(name: str, rates: Rates) -> None:
    case = case_named(name)
    mismatches = check_document(case, rates(case))
    assert not mismatches, "\n".join(line for m in mismatches for line in m.lines())


def test_a_refused_dataset_names_every_error_and_prints_no_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = case_named("invalid_dataset.every_error_is_named_and_nothing_is_evaluated")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case.dataset), encoding="utf-8")
    status = main(["rates", "--dataset", str(path), *case.evaluation.arguments(), "--format", "json"])
    out, err = capsys.readouterr()
    assert status != 0
    assert out == ""
    for expected in case.errors:
        assert expected.where in err, expected.where
