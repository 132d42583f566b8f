"""A dataset with any error prints every error with the record's index and field, exits non-zero,
and evaluates nothing."""

from __future__ import annotations

import json

from antidrug_core.cli import main


def test_every_error_is_named_and_nothing_is_evaluated(tmp_path, capsys) -> None:
    document = {
        "format": "antidrug-dataset/1",
        "divisions": [{"code": "522631101", "name": "甲乡"}],
        "people": [{"id": "P1", "household": "522631101"}, {"id": "P2", "household": "522699101"}],
        "records": [
            {"type": "status_changed", "person": "P1", "on": "2023-01-01", "status": "registered"},
            {"type": "face_check", "person": "P1", "on": "2023-02-30", "method": "home_visit"},
            {"type": "face_check", "person": "P9", "on": "2023-03-01", "method": "home_visit"},
            {
                "type": "face_check",
                "person": "P1",
                "on": "2023-03-01",
                "method": "home_visit",
                "colour": "red",
            },
            {"type": "teleport", "person": "P1", "on": "2023-03-01"},
            {"type": "face_check", "person": "P1", "on": "2023-03-02", "voids": "nothing"},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    status = main(["rates", "--dataset", str(path), "--period", "2023H1", "--format", "json"])
    out, err = capsys.readouterr()
    assert status != 0
    assert out == ""
    for place in (
        "people[1].household",
        "records[1].on",
        "records[2].person",
        "records[3].colour",
        "records[4].type",
        "records[5].voids",
    ):
        assert place in err, place
