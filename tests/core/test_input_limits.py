"""Hostile input meets one set of limits in the core: a clear error, never a traceback, nothing written."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import antidrug_core as ad
from antidrug_core import services
from antidrug_core.cli import main
from antidrug_core.clock import FixedClock
from antidrug_core.commands.store import load_dataset
from antidrug_core.interchange import DATASET_FORMAT, read_dataset
from antidrug_core.model import Division, InvalidInput
from antidrug_core.model.limits import ID_LENGTH, TEXT_LENGTH, id_problem
from antidrug_core.testing import at

TOWNSHIP = "522631101"


def dataset(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": DATASET_FORMAT,
        "divisions": [{"code": TOWNSHIP, "name": "某乡"}],
        "people": [{"id": "P1", "household": TOWNSHIP, "registered_on": "2023-01-05"}],
        "records": [
            {"id": "f1", "type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"}
        ],
    }
    document.update(copy.deepcopy(changes))
    return document


def problems_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        read_dataset(document)
    return [(p.field, p.reason) for p in raised.value.problems]


@pytest.mark.parametrize(
    "hostile",
    ["P\x00", "P\u202e1", "\x1b[31mP1", "P" * (ID_LENGTH + 1), "P\u2028"],
    ids=["nul", "bidi-override", "terminal-escape", "too-long", "line-separator"],
)
def test_an_id_that_could_hide_or_overflow_is_refused_by_name(hostile: str) -> None:
    found = problems_of(dataset(people=[{"id": hostile, "household": TOWNSHIP}], records=[]))
    assert [field for field, _ in found] == ["people[0].id"]
    record = dataset(
        records=[
            {"id": hostile, "type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"}
        ]
    )
    assert [field for field, _ in problems_of(record)] == ["records[0].id"]


def test_a_reason_of_ten_megabytes_is_refused() -> None:
    records = [
        {"id": "f1", "type": "face_check", "person": "P1", "on": "2023-03-01", "method": "home_visit"},
        {"type": "face_check", "person": "P1", "on": "2023-03-02", "voids": "f1", "reason": "x" * 10_000_000},
    ]
    assert problems_of(dataset(records=records)) == [
        ("records[1].reason", f"is longer than {TEXT_LENGTH} characters")
    ]


def test_a_division_name_of_three_hundred_characters_is_refused() -> None:
    found = problems_of(dataset(divisions=[{"code": TOWNSHIP, "name": "乡" * 300}]))
    assert ("divisions[0].name", "is longer than 100 characters") in found


@given(st.text(max_size=200))
def test_an_id_is_accepted_exactly_when_it_is_short_and_printable(text: str) -> None:
    hidden = any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u200b\u2028\u2029\ufeff" for c in text)
    if hidden or len(text) > ID_LENGTH:
        assert id_problem(text) is not None


def test_the_services_refuse_what_a_dataset_refuses() -> None:
    store = ad.open_store("memory://")
    officer = ad.Actor(id="u1", role=ad.Role.OFFICER, divisions={TOWNSHIP})
    with store.unit_of_work(officer) as uow, pytest.raises(InvalidInput, match="U\\+001B"):
        services.register_person(uow, person="\x1b]8;;evil\x07P1", household=TOWNSHIP, on=dt.date(2023, 1, 5))
    with store.unit_of_work(officer) as uow:
        assert uow.people() == []
    with pytest.raises(InvalidInput, match="longer than 100"):
        Division(code=TOWNSHIP, name="乡" * 101)


def test_a_hundred_thousand_deep_array_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert main(["rates", "--dataset", str(deep), "--period", "2023H1"]) != 0
    assert "nests deeper than a dataset can" in capsys.readouterr().err


def test_a_load_refuses_records_from_the_future_and_writes_nothing() -> None:
    store = ad.open_store("memory://", clock=FixedClock(at("2023-07-01")))
    future = dataset(
        records=[
            {"id": "f1", "type": "face_check", "person": "P1", "on": "9999-12-31", "method": "home_visit"},
            {"id": "d1", "type": "test_due", "person": "P1", "on": "2023-08-01", "kind": "urine"},
        ]
    )
    with pytest.raises(InvalidInput) as raised:
        load_dataset(store, read_dataset(future))
    # 9999-12-31 and, being unstamped, its start too; the test planned for August is fine.
    assert [(p.row, p.field) for p in raised.value.problems] == [("f1", "on"), ("f1", "recorded_at")]
    with store.unit_of_work(ad.Actor.local_administrator()) as uow:
        assert uow.people() == []
    backdated_later = dataset(
        records=[
            {
                "id": "f1",
                "type": "face_check",
                "person": "P1",
                "on": "2023-03-01",
                "method": "home_visit",
                "recorded_at": "2024-01-01T00:00:00+08:00",
            }
        ]
    )
    with pytest.raises(InvalidInput, match="recorded_at"):
        load_dataset(store, read_dataset(backdated_later))


def test_an_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps(dataset()), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["load", "--dataset", str(source), "--db", db]) == 0
    out = tmp_path / "out.json"
    assert main(["export", "--db", db, "-o", str(out)]) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".out")] == []


def test_a_terminal_is_shown_escape_codes_never_made_to_obey_them(capsys: pytest.CaptureFixture[str]) -> None:
    # A store written before the limits may hold such ids; the error path echoes input too.
    assert main(["rates", "--dataset", "\x1b]0;owned\x07.json", "--period", "2023H1"]) != 0
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\x07" not in err
    assert "\\u001b]0;owned\\u0007" in err
