"""The shipped conformance cases, run through ``antidrug rates`` as a user would run them.

The cases themselves are data in the package (``antidrug_core/conformance/cases``,
docs/reference/conformance.md): each is a dataset written by hand from the
reference pages, the question asked, and the figures an auditor computes,
each justified in words. The tests here run every case by name, so a
failure names the case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.conformance import shipped_cases
from antidrug_core.conformance import Case


def case_named(name: str) -> Case:
    """The shipped case called ``name``."""
    (case,) = [c for c in shipped_cases() if c.name == name]
    return case


class Rates:
    """Runs ``antidrug rates`` over a case's dataset, with the case's question or another."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self._folder = folder
        self._capsys = capsys

    def __call__(self, case: Case, *args: str) -> dict[str, Any]:
        """``antidrug rates --dataset FILE ARGS --format json``, parsed (the case's own ARGS by default)."""
        path = self._folder / "dataset.json"
        path.write_text(json.dumps(case.dataset, ensure_ascii=False), encoding="utf-8")
        self._capsys.readouterr()
        status = main(
            ["rates", "--dataset", str(path), *(args or case.evaluation.arguments()), "--format", "json"]
        )
        out, err = self._capsys.readouterr()
        assert status == 0, err
        parsed: dict[str, Any] = json.loads(out)
        return parsed


@pytest.fixture
def rates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Rates:
    return Rates(tmp_path, capsys)
