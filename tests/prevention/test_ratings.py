"""``antidrug ratings``: each rated organisation with its scheme, scores, total and stars, as of a date."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from antidrug_core.cli import main
from antidrug_core.commands.ratings import ratings_document, ratings_table
from antidrug_core.model import Actor, SubjectKind
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.services import assess_rating, register_organisation
from antidrug_core.state import OrganisationFile, RatedOrganisation, ratings_on
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, SequentialIds, at, open_memory_store


@pytest.fixture
def store() -> Iterator[Store]:
    with open_memory_store(
        clock=FixedClock(at("2023-07-01")), plugins=make_plugin_manager(), ids=SequentialIds()
    ) as s:
        with s.unit_of_work(Actor.local_administrator()) as uow:
            for organisation, code in (("C1", "522631101"), ("C2", "522631102"), ("GOV", "522631101")):
                register_organisation(
                    uow,
                    name=f"{code}中心",
                    kind="rehab_centre" if organisation != "GOV" else "government",
                    division=code,
                    on=dt.date(2023, 1, 1),
                    organisation=organisation,
                )
            full = {"organisation": 25, "facilities": 25, "staff": 25, "mechanisms": 25}
            assess_rating(uow, "C2", dt.date(2023, 3, 1), scheme="example_star@1", scores=full)
            assess_rating(
                uow,
                "C1",
                dt.date(2023, 5, 20),
                scheme="example_star@1",
                scores={"organisation": 24, "facilities": 22, "staff": 21, "mechanisms": "20.5"},
            )
            lower = {"organisation": 15, "facilities": 15, "staff": 15, "mechanisms": 14}
            assess_rating(uow, "C2", dt.date(2023, 6, 15), scheme="example_star@1", scores=lower)
            uow.commit()
        yield s


def rows(store: Store, day: dt.date) -> list[RatedOrganisation]:
    with store.unit_of_work(Actor.local_administrator()) as uow:
        files = [f for f in uow.subject_files(SubjectKind.ORGANISATION) if isinstance(f, OrganisationFile)]
        return ratings_on(files, day, uow.rules.prevention.rating_schemes)


def test_only_organisations_with_a_rating_in_force_are_listed(store: Store) -> None:
    assert [r.organisation for r in rows(store, dt.date(2023, 2, 1))] == []
    assert [r.organisation for r in rows(store, dt.date(2023, 4, 1))] == ["C2"]
    assert [r.organisation for r in rows(store, dt.date(2023, 6, 30))] == ["C1", "C2"]


def test_the_latest_rating_is_in_force_and_earns_the_stars_of_its_total(store: Store) -> None:
    by = {r.organisation: r.rating for r in rows(store, dt.date(2023, 6, 30))}
    assert (str(by["C1"].total), by["C1"].stars) == ("87.5", 3)
    assert (str(by["C2"].total), by["C2"].stars) == ("59", 0), "59 is below one star's 60"
    earlier = {r.organisation: r.rating for r in rows(store, dt.date(2023, 6, 14))}
    assert (str(earlier["C2"].total), earlier["C2"].stars) == ("100", 5)


def test_the_json_document_keeps_scores_exact_and_says_the_scheme_is_an_example(store: Store) -> None:
    document = ratings_document(rows(store, dt.date(2023, 6, 30)), dt.date(2023, 6, 30), None)
    assert document["format"] == "antidrug-ratings/1"
    first = document["ratings"][0]
    assert first["scores"] == {"facilities": 22, "mechanisms": "20.5", "organisation": 24, "staff": 21}
    assert (first["total"], first["maximum"], first["stars"], first["example"]) == ("87.5", 100, 3, True)
    assert first["assessed_on"] == "2023-05-20"


def test_the_table_names_the_items_in_chinese(store: Store) -> None:
    table = ratings_table(rows(store, dt.date(2023, 6, 30)))
    lines = table.splitlines()
    assert lines[0].split("\t") == ["组织", "区划", "评定细则", "各项得分", "总分", "星级"]
    assert "组织领导24" in lines[1]
    assert lines[1].endswith("\t87.5\t3星")
    assert lines[2].endswith("\t59\t未达星级")


def dataset_file(tmp_path: Path, scores: dict[str, object]) -> Path:
    document = {
        "format": "antidrug-dataset/1",
        "time_zone": "Asia/Shanghai",
        "divisions": [{"code": "522631", "name": "某县"}, {"code": "522631101", "name": "甲乡"}],
        "organisations": [
            {"id": "C1", "name": "甲乡社区戒毒康复工作中心", "kind": "rehab_centre", "division": "522631101"}
        ],
        "rating_schemes": [
            {
                "id": "province@2023",
                "name": "某省社区戒毒康复工作中心星级评定细则",
                "items": [
                    {"id": "org", "name": "组织领导", "max": 40},
                    {"id": "work", "name": "工作机制", "max": 60},
                ],
                "stars": [{"stars": 1, "min": 60}, {"stars": 2, "min": 75}, {"stars": 3, "min": 90}],
            }
        ],
        "records": [
            {
                "type": "rating_assessed",
                "id": "r1",
                "organisation": "C1",
                "on": "2023-05-20",
                "scheme": "province@2023",
                "scores": scores,
            }
        ],
    }
    path = tmp_path / "ratings.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_dataset_brings_its_own_scheme_and_the_command_gives_its_stars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = dataset_file(tmp_path, {"org": 35, "work": "42.5"})
    assert main(["ratings", "--dataset", str(path), "--as-of", "2023-06-30"]) == 0
    document = json.loads(capsys.readouterr().out)
    (row,) = document["ratings"]
    assert (row["scheme"], row["total"], row["stars"], row["example"]) == ("province@2023", "77.5", 2, False)
    assert main(["ratings", "--dataset", str(path), "--as-of", "2023-06-30", "--format", "table"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("\t77.5\t2星")


def test_a_dataset_rating_outside_its_scheme_is_an_error_naming_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = dataset_file(tmp_path, {"org": 41, "garden": 3})
    assert main(["ratings", "--dataset", str(path), "--as-of", "2023-06-30"]) != 0
    error = capsys.readouterr().err
    assert "r1" in error
    assert "scores.org: 41 is above the item's maximum 40" in error
    assert "scores.garden" in error
    assert "scores.work: is missing" in error


def test_a_store_keeps_the_schemes_given_to_it_and_refuses_a_changed_one_of_a_kept_id() -> None:
    from antidrug_core.model import InvalidInput
    from antidrug_core.rules.prevention import RatingItem, RatingScheme, StarLevel

    scheme = RatingScheme(
        id="province@2023",
        name="某省细则",
        items=(RatingItem("org", "组织领导", 40), RatingItem("work", "工作机制", 60)),
        stars=(StarLevel(1, 60), StarLevel(2, 75)),
    )
    with open_memory_store(plugins=make_plugin_manager()) as store:
        store.keep_rating_schemes([scheme])
        store.keep_rating_schemes([scheme])  # again: nothing new
        assert store.recorder.kept_rating_schemes() == (scheme,)  # type: ignore[attr-defined]
        assert store.rules.prevention.rating_schemes["province@2023"] == scheme
        changed = RatingScheme(id=scheme.id, name=scheme.name, items=scheme.items, stars=(StarLevel(1, 50),))
        with pytest.raises(InvalidInput, match="differs from the scheme of that id the store keeps"):
            store.keep_rating_schemes([changed])
        assert store.recorder.kept_rating_schemes() == (scheme,)  # type: ignore[attr-defined]
