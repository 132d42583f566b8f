"""Run hand-computed datasets through ``antidrug rates`` and hold the output to expected figures.

Each test module in this folder is one case: a dataset written by hand from
INDICATORS.md and DATASET.md, and the figures an auditor computes from those
two documents, with a comment justifying every expected number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main

FIELDS = {
    "ip": "initial_population",
    "d": "denominator",
    "dx": "denominator_exclusion",
    "de": "denominator_exception",
    "n": "numerator",
    "nx": "numerator_exclusion",
    "value": "value",
    "display": "display",
}


def dataset(
    people: list[dict[str, Any]],
    records: list[dict[str, Any]],
    *,
    divisions: list[dict[str, Any]] | None = None,
    responsible: str = "household_first",
    window: int = 7,
) -> dict[str, Any]:
    """An ``antidrug-dataset/1`` document with the county of most cases."""
    return {
        "format": "antidrug-dataset/1",
        "time_zone": "Asia/Shanghai",
        "policy": {"responsible": responsible, "test_window_days": window},
        "divisions": divisions
        or [
            {"code": "522631", "name": "某县"},
            {"code": "522631101", "name": "甲乡"},
            {"code": "522631102", "name": "乙镇"},
            {"code": "522631103", "name": "丙乡"},
        ],
        "people": people,
        "records": records,
    }


def person(
    id: str, household: str = "522631101", registered_on: str = "2020-01-01", **places: str
) -> dict[str, Any]:
    """A ``people`` entry."""
    return {"id": id, "household": household, "registered_on": registered_on, **places}


def record(type: str, person: str, on: str, **fields: Any) -> dict[str, Any]:
    """A ``records`` entry."""
    return {"type": type, "person": person, "on": on, **fields}


def status(person: str, value: str, on: str = "2020-01-01", **fields: Any) -> dict[str, Any]:
    """A ``status_changed`` record."""
    return record("status_changed", person, on, status=value, **fields)


def result(document: Mapping[str, Any], indicator: str, division: str) -> dict[str, Any]:
    """The one result for ``indicator`` and ``division``."""
    found = [r for r in document["results"] if r["indicator"] == indicator and r["division"] == division]
    assert len(found) == 1, f"{len(found)} results for {indicator} in {division}"
    return found[0]


def check(document: Mapping[str, Any], expected: Mapping[tuple[str, str], Mapping[str, Any]]) -> None:
    """Hold every expected figure to the output; report every mismatch at once."""
    wrong: list[str] = []
    for (indicator, division), figures in expected.items():
        got = result(document, indicator, division)
        for short, want in figures.items():
            field = FIELDS[short]
            if got[field] != want:
                wrong.append(f"{indicator} {division} {field}: expected {want!r}, got {got[field]!r}")
    assert not wrong, "\n".join(wrong)


def rate(
    ip: int, n: int, value: str | None, display: str, d: int | None = None, de: int = 0
) -> dict[str, Any]:
    """Expected figures of a rate without exclusions (D = IP unless given)."""
    return {
        "ip": ip,
        "d": ip if d is None else d,
        "dx": 0,
        "de": de,
        "n": n,
        "nx": 0,
        "value": value,
        "display": display,
    }


def count(n: int) -> dict[str, Any]:
    """Expected figures of a count: every population holds everyone counted."""
    return {"ip": n, "d": n, "n": n, "value": str(n), "display": str(n)}


class Case:
    """What a conformance test uses: build a dataset, run the command line, check figures."""

    dataset = staticmethod(dataset)
    person = staticmethod(person)
    record = staticmethod(record)
    status = staticmethod(status)
    result = staticmethod(result)
    check = staticmethod(check)
    rate = staticmethod(rate)
    count = staticmethod(count)

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self._folder = folder
        self._capsys = capsys

    def rates(self, document: Mapping[str, Any], *args: str) -> dict[str, Any]:
        """``antidrug rates --dataset FILE ARGS --format json``, parsed."""
        path = self._folder / "dataset.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        self._capsys.readouterr()
        status = main(["rates", "--dataset", str(path), *args, "--format", "json"])
        out, err = self._capsys.readouterr()
        assert status == 0, err
        parsed: dict[str, Any] = json.loads(out)
        assert parsed["format"] == "antidrug-rates/1"
        for r in parsed["results"]:
            # The two net counts, reported so anyone can re-derive the score (INDICATORS.md).
            assert (
                r["net_denominator"]
                == r["denominator"] - r["denominator_exclusion"] - r["denominator_exception"]
            )
            assert r["net_numerator"] == r["numerator"] - r["numerator_exclusion"]
        return parsed


@pytest.fixture
def case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Case:
    return Case(tmp_path, capsys)
