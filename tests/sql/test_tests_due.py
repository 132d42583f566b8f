"""``antidrug tests due``: due tests not taken, as of any date, by division, in Chinese or JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core import services
from antidrug_core.bootstrap import open_store
from antidrug_core.cli import main
from antidrug_core.model import Actor
from antidrug_core.state import DueStatus

TOWN = "522631101"
OTHER = "522631102"

# Window 7 days, missed after 30 more (the default). As of 2023-06-20:
#   d1 (P1, 2023-04-01): window closed 04-08, missed after 05-08 -> missed
#   d2 (P1, 2023-06-01): window closed 06-08 -> overdue
#   d3 (P1, 2023-06-15): window open until 06-22 -> due
#   d4 (P2, 2023-06-01): taken 06-03 -> not listed
#   d5 (P2, 2023-06-05): excused -> not listed
#   d6 (P3 in 乙镇, 2023-06-02): overdue
#   d7 (P1, 2023-07-10): window not open -> not listed
DATASET: dict[str, Any] = {
    "format": "antidrug-dataset/1",
    "policy": {"test_window_days": 7},
    "divisions": [
        {"code": "522631", "name": "某县"},
        {"code": TOWN, "name": "甲乡"},
        {"code": OTHER, "name": "乙镇"},
    ],
    "people": [
        {"id": "P1", "household": TOWN, "registered_on": "2023-01-01"},
        {"id": "P2", "household": TOWN, "registered_on": "2023-01-01"},
        {"id": "P3", "household": OTHER, "registered_on": "2023-01-01"},
    ],
    "records": [
        *(
            {"type": "status_changed", "person": p, "on": "2023-01-01", "status": "community_detox"}
            for p in ("P1", "P2", "P3")
        ),
        {"id": "d1", "type": "test_due", "person": "P1", "on": "2023-04-01", "kind": "urine"},
        {"id": "d2", "type": "test_due", "person": "P1", "on": "2023-06-01", "kind": "urine"},
        {"id": "d3", "type": "test_due", "person": "P1", "on": "2023-06-15", "kind": "hair"},
        {"id": "d4", "type": "test_due", "person": "P2", "on": "2023-06-01", "kind": "urine"},
        {"type": "test_done", "person": "P2", "on": "2023-06-03", "kind": "urine", "result": "negative"},
        {"id": "d5", "type": "test_due", "person": "P2", "on": "2023-06-05", "kind": "urine"},
        {"type": "test_excused", "person": "P2", "on": "2023-06-06", "due": "d5", "reason": "住院"},
        {"id": "d6", "type": "test_due", "person": "P3", "on": "2023-06-02", "kind": "urine"},
        {"id": "d7", "type": "test_due", "person": "P1", "on": "2023-07-10", "kind": "urine"},
    ],
}


@pytest.fixture
def url(tmp_path: Path, databases: Any, capsys: pytest.CaptureFixture[str]) -> str:
    """The dataset loaded into a fresh store on each engine."""
    path = tmp_path / "county.json"
    path.write_text(json.dumps(DATASET, ensure_ascii=False), encoding="utf-8")
    url: str = databases.new()
    assert main(["load", "--dataset", str(path), "--db", url]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return url


def listed(capsys: pytest.CaptureFixture[str], url: str, *extra: str) -> list[tuple[str, str, str]]:
    assert main(["tests", "due", "--db", url, "--format", "json", *extra]) == 0, capsys.readouterr().err
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "antidrug-tests-due/1"
    return [(t["due"], t["person"], t["status"]) for t in document["tests"]]


def test_without_status_every_test_not_taken_whose_window_opened_is_listed(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert listed(capsys, url, "--as-of", "2023-06-20") == [
        ("d1", "P1", "missed"),
        ("d2", "P1", "overdue"),
        ("d3", "P1", "due"),
        ("d6", "P3", "overdue"),
    ]


def test_status_and_division_narrow_the_list(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert listed(capsys, url, "--as-of", "2023-06-20", "--status", "overdue") == [
        ("d2", "P1", "overdue"),
        ("d6", "P3", "overdue"),
    ]
    assert listed(capsys, url, "--as-of", "2023-06-20", "--status", "missed", "--status", "due") == [
        ("d1", "P1", "missed"),
        ("d3", "P1", "due"),
    ]
    assert listed(capsys, url, "--as-of", "2023-06-20", "--division", OTHER) == [("d6", "P3", "overdue")]
    assert listed(capsys, url, "--as-of", "2023-06-20", "--division", "522631") == listed(
        capsys, url, "--as-of", "2023-06-20"
    )


def test_any_past_date_gives_the_list_of_that_day(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # On 2023-06-02 d1 was already missed (window closed 04-08, 30 days more by 05-08); d2, d4 (taken
    # only on 06-03), d5 (window open from 05-29, excused only on 06-06) and d6 were in their windows.
    assert listed(capsys, url, "--as-of", "2023-06-02") == [
        ("d1", "P1", "missed"),
        ("d2", "P1", "due"),
        ("d4", "P2", "due"),
        ("d5", "P2", "due"),
        ("d6", "P3", "due"),
    ]


def test_the_table_is_in_chinese_with_pseudonymous_ids(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tests", "due", "--db", url, "--as-of", "2023-06-20", "--division", TOWN]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "截至2023-06-20，甲乡（522631101）未完成的检测：3人次"
    assert lines[1] == "人员编号\t责任区划\t检测\t应检日期\t窗口截止\t状态"
    assert lines[2] == "P1\t甲乡（522631101）\t尿检\t2023-04-01\t2023-04-08\t漏检"
    assert lines[4].endswith("毛发检测\t2023-06-15\t2023-06-22\t应检（窗口内）")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--as-of", "June"], "--as-of: 'June' is not a date (YYYY-MM-DD)"),
        (["--as-of", "2023-06-20", "--division", "9"], "--division"),
        (["--as-of", "2023-06-20", "--division", "522632"], "--division: unknown division code '522632'"),
    ],
)
def test_bad_arguments_are_named(
    url: str, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    assert main(["tests", "due", "--db", url, *argv]) == 2
    assert named in capsys.readouterr().err


def test_overdue_tests_include_missed_ones_unless_asked_for_overdue_only(url: str) -> None:
    with open_store(url, create=False) as store, store.unit_of_work(Actor.local_administrator()) as uow:
        every = services.overdue_tests(uow, dt.date(2023, 6, 20))
        only = services.overdue_tests(uow, dt.date(2023, 6, 20), overdue_only=True)
    assert [(p, t.due.id, t.status) for p, t in every] == [
        ("P1", "d1", DueStatus.MISSED),
        ("P1", "d2", DueStatus.OVERDUE),
        ("P3", "d6", DueStatus.OVERDUE),
    ]
    assert [t.due.id for _, t in only] == ["d2", "d6"]
