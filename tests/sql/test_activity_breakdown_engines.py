"""The activities by key date and by channel, from a store on every engine, as worked out by hand.

The shipped cases ``activity_breakdown.*`` are loaded into SQLite, PostgreSQL and MariaDB and
asked through ``antidrug rates --db``: every part (``activities_on_0626``, ``activity_reach_via_
village`` …) with ``--organisation`` and ``--known-at`` as the case asks, the case's figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.conformance import shipped_cases
from antidrug_core.conformance import check_document

CASES = [case for case in shipped_cases() if case.name.startswith("activity_breakdown.")]


def test_both_cases_ship() -> None:
    assert len(CASES) == 2


@pytest.mark.parametrize("case", CASES, ids=[case.name.split(".")[1] for case in CASES])
def test_a_store_gives_the_hand_worked_parts_on_every_engine(
    case: Any, databases: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(case.dataset, ensure_ascii=False), encoding="utf-8")
    assert main(["load", "--dataset", str(path), "--db", url]) == 0
    capsys.readouterr()
    status = main(["rates", "--db", url, *case.evaluation.arguments(), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    mismatches = check_document(case, json.loads(out))
    assert not mismatches, "\n".join(line for m in mismatches for line in m.lines())
