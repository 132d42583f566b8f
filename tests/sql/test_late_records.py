"""``antidrug audit late``: records claiming a time long before their receipt, and who loaded them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main
from antidrug_core.interchange import write_dataset
from antidrug_core.model import Actor, PersonId, Status
from antidrug_core.ports import LedgerRecorder
from antidrug_core.services import register_person
from antidrug_core.store import Store
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records
from antidrug_core.testing import FixedClock

SPEC = SyntheticSpec.demo(seed=3, people=4, townships=2)


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    """A small county whose records were all recorded years before today (the synthetic data's dates)."""
    records = [record for person in person_records(SPEC) for record in person]
    path = tmp_path / "county.json"
    path.write_text(
        json.dumps(write_dataset(records, divisions=divisions(SPEC), policy=SPEC.policy), ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def test_a_backdated_load_is_listed_with_who_loaded_it_and_the_files_digest(
    databases: Any, dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    assert main(["load", "--dataset", str(dataset_file), "--db", url]) == 0
    capsys.readouterr()
    assert main(["audit", "late", "--db", url, "--json", "--margin", "48"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    loaded = json.loads(dataset_file.read_text(encoding="utf-8"))["records"]
    assert len(listed) >= len(loaded)  # every record (registrations too) is years older than the load
    assert [item["sequence"] for item in listed] == list(range(1, len(listed) + 1))
    assert {item["via"] for item in listed} == {"load"}
    assert {item["loaded_by"] for item in listed} == {"antidrug-cli"}
    digest = hashlib.sha256(dataset_file.read_bytes()).hexdigest()
    assert {item["file"] for item in listed} == {f"sha256:{digest}"}
    assert all(item["late_hours"] > 48 for item in listed)

    assert main(["audit", "late", "--db", url]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split("\t")[:3] == ["序号", "记录", "类型"]
    assert len(table) == len(listed) + 1
    assert table[1].split("\t")[-2:] == ["导入", "antidrug-cli"]

    assert main(["audit", "late", "--db", url, "--margin", "1000000"]) == 0
    assert "没有" in capsys.readouterr().out
    for refused in ("-1", "nan", "inf"):
        assert main(["audit", "late", "--db", url, "--margin", refused]) == 2
        assert "--margin" in capsys.readouterr().err


def test_a_unit_of_work_is_received_when_it_commits_and_its_records_are_not_late(
    databases: Any, open_sql: Callable[..., Store], clock: FixedClock
) -> None:
    """Receipt is the store's clock at the commit; a record recorded then is not late, and
    ``known_at`` evaluation keeps the time the record claims."""
    store = open_sql(databases.new())
    with store.unit_of_work(Actor.local_administrator()) as uow:
        register_person(
            uow,
            household="522631101",
            on=dt.date(2023, 1, 5),
            status=Status.COMMUNITY_DETOX,
            person=PersonId("P1"),
        )
        uow.commit()
    recorder = store.recorder
    assert isinstance(recorder, LedgerRecorder)
    # The records claim the fixed clock's 2023; the store received them now.
    late = list(recorder.late_records(dt.timedelta(hours=48)))
    assert [(item.sequence, item.via.value, item.loaded_by) for item in late] == [
        (1, "commit", None),
        (2, "commit", None),
    ]
    assert all(item.recorded_at.year == 2023 for item in late)
    assert all(item.received_at > item.recorded_at for item in late)
    assert list(recorder.late_records(dt.datetime.now(dt.UTC) - clock.now() + dt.timedelta(days=1))) == []
