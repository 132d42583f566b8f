"""A store filled the README's way (through the services, divisions never registered) exports a
dataset that loads again and gives the same figures, on every engine."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import antidrug_core as ad
from antidrug_core import services
from antidrug_core.cli import main
from antidrug_core.model import Division, FaceCheckMethod

TOWN = "522631101"
OTHER = "522631102"


def fill(url: str) -> None:
    """The README's snippet, with a residence elsewhere and a transfer to a third division."""
    with ad.open_store(url) as store:
        officer = ad.Actor(id="u1", role=ad.Role.OFFICER, divisions={TOWN})
        with store.unit_of_work(officer) as uow:
            person = services.register_person(
                uow, household=TOWN, residence=OTHER, on=dt.date(2023, 1, 5), status=ad.Status.COMMUNITY_DETOX
            )
            services.record_face_check(uow, person, dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT)
            services.request_transfer(uow, person, "522631103", dt.date(2023, 3, 2))
            uow.commit()
        with store.unit_of_work(ad.Actor.local_administrator()) as uow:
            uow.add_divisions([Division(code=TOWN, name="甲乡")])
            uow.commit()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


def figures(text: str) -> list[tuple[Any, ...]]:
    return sorted(
        (r["indicator"], r["division"], r["numerator"], r["denominator"]) for r in json.loads(text)["results"]
    )


def test_export_load_and_rates_work_on_a_store_filled_through_the_services(
    databases: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.new()
    fill(url)
    exported = tmp_path / "exported.json"
    run(capsys, "export", "--db", url, "-o", str(exported))
    document = json.loads(exported.read_text(encoding="utf-8"))
    # Every code the records name is listed; the one division registered keeps its name.
    assert document["divisions"] == [{"code": TOWN, "name": "甲乡"}, {"code": OTHER}, {"code": "522631103"}]

    period = ["--period", "2023H1", "--format", "json"]
    from_store = figures(run(capsys, "rates", "--db", url, *period))
    from_file = figures(run(capsys, "rates", "--dataset", str(exported), *period))
    # The file lists the divisions the store only knew from its records, so it reports them too
    # (with nobody attributed); every figure the store gave is the same.
    assert [f for f in from_file if f[1] in {g[1] for g in from_store}] == from_store
    assert {f[1] for f in from_file} == {TOWN, OTHER, "522631103"}

    again = databases.new()
    run(capsys, "load", "--dataset", str(exported), "--db", again)
    assert figures(run(capsys, "rates", "--db", again, *period)) == from_file
    second = tmp_path / "second.json"
    run(capsys, "export", "--db", again, "-o", str(second))
    assert json.loads(second.read_text(encoding="utf-8")) == document
