"""Prevention, eradication and organisation figures (PREVENTION.md), worked out by hand. Period 2023H1.

The county 522631 has 甲乡 522631101 (with its village 甲村 522631101001),
乙镇 522631102 and 丙乡 522631103. Five organisations:

| id | kind | division |
|---|---|---|
| GOV1 甲乡人民政府 | government | 522631101 |
| GOV2 乙镇人民政府 | government | 522631102 |
| FOR 县林业局 | department | 522631 |
| CEN1 甲乡中心 | rehab_centre | 522631101 |
| CEN2 乙镇中心 | rehab_centre | 522631102 |

A figure is attributed to the record's ``division`` if it has one, else to
its organisation's division, and every division adds up those below it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main

ORGANISATIONS = [
    {"id": "GOV1", "name": "甲乡人民政府", "kind": "government", "division": "522631101"},
    {"id": "GOV2", "name": "乙镇人民政府", "kind": "government", "division": "522631102"},
    {"id": "FOR", "name": "县林业局", "kind": "department", "division": "522631"},
    {"id": "CEN1", "name": "甲乡社区戒毒康复工作中心", "kind": "rehab_centre", "division": "522631101"},
    {"id": "CEN2", "name": "乙镇社区戒毒康复工作中心", "kind": "rehab_centre", "division": "522631102"},
]
DIVISIONS = [
    {"code": "522631", "name": "某县"},
    {"code": "522631101", "name": "甲乡"},
    {"code": "522631101001", "name": "甲村"},
    {"code": "522631102", "name": "乙镇"},
    {"code": "522631103", "name": "丙乡"},
]
COUNTY, JIA, VILLAGE, YI, BING = "522631", "522631101", "522631101001", "522631102", "522631103"
FULL = {"organisation": 24, "facilities": 22, "staff": 21, "mechanisms": "20.5"}


def work(type: str, id: str, organisation: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": type, "id": id, "organisation": organisation, "on": on, **fields}


def activity(id: str, organisation: str, on: str, channels: list[str], **fields: Any) -> dict[str, Any]:
    return work("activity_held", id, organisation, on, theme="禁毒宣传", channels=channels, **fields)


RECORDS = [
    # 甲乡 (GOV1)
    activity(
        "a1",
        "GOV1",
        "2023-03-05",
        ["school", "community"],
        key_date="0305",
        sessions=2,
        reach=500,
        materials=300,
        banners=2,
        posters=10,
        volunteers=8,
    ),
    activity(
        "a2", "GOV1", "2023-06-26", ["village"], key_date="0626", division=VILLAGE, reach=1200, materials=800
    ),
    activity("a3", "GOV1", "2023-07-10", ["school"], sessions=5, reach=999),  # after the period
    activity("a4", "GOV1", "2022-12-31", ["school"], sessions=4, reach=999),  # before it
    activity("a5", "GOV1", "2023-04-01", ["venue"], sessions=3, reach=700),  # voided below
    {"type": "voided", "id": "x5", "organisation": "GOV1", "on": "2023-04-02", "voids": "a5"},
    work("volunteer_joined", "v1", "GOV1", "2022-11-01", volunteer="V1"),
    work("volunteer_joined", "v2", "GOV1", "2023-02-01", volunteer="V2"),
    work("volunteer_joined", "v3", "GOV1", "2023-03-01", volunteer="V3"),
    work("volunteer_left", "v3x", "GOV1", "2023-06-30", volunteer="V3"),
    work("volunteer_joined", "v4", "GOV1", "2023-07-01", volunteer="V4"),
    work("training_held", "t1", "GOV1", "2023-04-10", topic="禁毒义工专项培训", participants=30),
    work(
        "survey_conducted", "s1", "GOV1", "2023-04-20", division=JIA, area_mu="1250.5", personnel=36, days=3
    ),
    work("plants_found", "f1", "GOV1", "2023-04-20", division=JIA, species="poppy", plants=12),
    work("plants_destroyed", "f1x", "GOV1", "2023-04-21", found="f1"),
    work("leading_group_set", "g1", "GOV1", "2023-01-05", leader="乡党委书记", members=9, office=True),
    work("letters_signed", "l1", "GOV1", "2023-02-01", kind="responsibility", count=12),
    work("funding_allocated", "m1", "GOV1", "2023-03-01", amount="20000.50", purpose="宣传资料"),
    work("funding_allocated", "m2", "GOV1", "2023-08-01", amount="5000", purpose="宣传资料"),  # after
    work("meeting_held", "c1", "GOV1", "2023-01-10", kind="deployment", participants=40),
    # 乙镇 (GOV2)
    activity(
        "b1",
        "GOV2",
        "2023-06-03",
        ["workplace", "family", "online"],
        key_date="0603",
        reach=300,
        materials=200,
    ),
    work("survey_conducted", "s2", "GOV2", "2023-05-10", division=YI, area_mu="300.25", personnel=10),
    work("plants_found", "f2", "GOV2", "2023-05-10", division=YI, species="cannabis", plants=4),
    work("letters_signed", "l2", "GOV2", "2023-03-15", kind="commitment", count=40),
    # The county forestry bureau (FOR)
    work(
        "survey_conducted", "s3", "FOR", "2023-05-20", division=BING, area_mu="8000", personnel=120, days=20
    ),
    activity(
        "c3",
        "FOR",
        "2023-06-26",
        ["village"],
        key_date="0626",
        sessions=3,
        reach=2000,
        materials=5000,
        banners=20,
        posters=1500,
        vehicles=12,
    ),
    work("leading_group_set", "g3", "FOR", "2023-01-10", leader="局长", deputies=["分管副局长"]),
    work("letters_signed", "l3", "FOR", "2023-02-20", kind="responsibility", count=8),
    work("funding_allocated", "m3", "FOR", "2023-03-05", amount="18500.00", purpose="制作禁毒标语"),
    # The centres: CEN1 rated in the period, CEN2 only after it.
    work("rating_assessed", "r1", "CEN1", "2023-05-20", scheme="example_star@1", scores=FULL),
    work("rating_assessed", "r2", "CEN2", "2023-07-15", scheme="example_star@1", scores=FULL),
]


def document() -> dict[str, Any]:
    return {
        "format": "antidrug-dataset/1",
        "time_zone": "Asia/Shanghai",
        "divisions": DIVISIONS,
        "organisations": ORGANISATIONS,
        "records": RECORDS,
    }


# Every expected figure, by (indicator, division), with the reason in words.
EXPECTED: dict[tuple[str, str], str] = {
    # Σ sessions. 甲乡: a1 2 + a2 1 (held in 甲村, which adds up to 甲乡) = 3; a3, a4 fall outside
    # the period and a5 is voided. 甲村: a2 = 1. 乙镇: b1 1. The county: 3 + 1 + c3 3 = 7.
    ("activities", JIA): "3",
    ("activities", VILLAGE): "1",
    ("activities", YI): "1",
    ("activities", BING): "0",
    ("activities", COUNTY): "7",
    # Σ reach: 甲乡 500 + 1200; the county adds 乙镇's 300 and the bureau's 2000.
    ("activity_reach", JIA): "1700",
    ("activity_reach", COUNTY): "4000",
    # Σ materials: 300 + 800 = 1100 in 甲乡; + 200 + 5000 = 6300 in the county.
    ("materials_distributed", JIA): "1100",
    ("materials_distributed", COUNTY): "6300",
    # Banners 2 + 20, posters 10 + 1500, vehicles 12 (the bureau's, attributed to the county itself).
    ("banners_hung", JIA): "2",
    ("banners_hung", COUNTY): "22",
    ("posters_put_up", COUNTY): "1510",
    ("vehicle_trips", JIA): "0",
    ("vehicle_trips", COUNTY): "12",
    # Every activity in the period names a key date: the same sums as ``activities``.
    ("key_date_activities", JIA): "3",
    ("key_date_activities", COUNTY): "7",
    # 六进: 甲乡 school, community, village = 3; 乙镇 workplace, family (online is not one) = 2;
    # the county: school, community, village, workplace, family = 5 (venue only in the voided a5).
    ("six_entries_covered", JIA): "3",
    ("six_entries_covered", YI): "2",
    ("six_entries_covered", COUNTY): "5",
    # Volunteers on the team on 2023-06-30: V1, V2 (V3 left that day, V4 joins later).
    ("volunteers", JIA): "2",
    ("volunteers", COUNTY): "2",
    ("trainings", JIA): "1",
    ("training_participants", JIA): "30",
    # Surveys: 甲乡 s1, 乙镇 s2, 丙乡 s3 (the bureau's survey is attributed where the land is).
    ("surveys", JIA): "1",
    ("surveys", BING): "1",
    ("surveys", COUNTY): "3",
    ("survey_days", COUNTY): "24",  # 3 + 1 (default) + 20
    ("survey_personnel", COUNTY): "166",  # 36 + 10 + 120
    ("area_surveyed_mu", JIA): "1250.5",
    ("area_surveyed_mu", YI): "300.25",
    ("area_surveyed_mu", COUNTY): "9550.75",  # exact: 1250.5 + 300.25 + 8000
    ("plants_found", JIA): "12",
    ("plants_found", COUNTY): "16",
    # f1 was destroyed the next day; f2 never was.
    ("plants_not_destroyed", JIA): "0",
    ("plants_not_destroyed", YI): "4",
    ("plants_not_destroyed", COUNTY): "4",
    # Zero cultivation: only 丙乡 found nothing in the period.
    ("zero_cultivation", JIA): "false",
    ("zero_cultivation", BING): "true",
    ("zero_cultivation", COUNTY): "false",
    ("responsibility_letters", JIA): "12",
    ("responsibility_letters", COUNTY): "20",
    ("commitment_letters", YI): "40",
    ("commitment_letters", COUNTY): "40",
    # Funding: 20000.50 in the period (m2 is after it) → 20000.5; the county adds 18500.00.
    ("funding_yuan", JIA): "20000.5",
    ("funding_yuan", COUNTY): "38500.5",
    ("meetings", JIA): "1",
    ("meetings", COUNTY): "1",
    # Organisations with a leading group set by 2023-06-30: GOV1 in 甲乡; GOV1 and FOR in the county.
    ("leading_groups", JIA): "1",
    ("leading_groups", YI): "0",
    ("leading_groups", COUNTY): "2",
    # Centres with a rating in force on 2023-06-30: CEN1 only (CEN2's is dated 2023-07-15).
    ("centres_rated", JIA): "1",
    ("centres_rated", YI): "0",
    ("centres_rated", COUNTY): "1",
}

# ``--organisation FOR`` keeps only the forestry bureau's records.
EXPECTED_FOR_THE_BUREAU: dict[tuple[str, str], str] = {
    ("surveys", COUNTY): "1",
    ("surveys", BING): "1",
    ("area_surveyed_mu", COUNTY): "8000",
    ("survey_personnel", COUNTY): "120",
    ("survey_days", COUNTY): "20",
    ("activities", COUNTY): "3",
    ("vehicle_trips", COUNTY): "12",
    ("funding_yuan", COUNTY): "18500",
    ("responsibility_letters", COUNTY): "8",
    ("leading_groups", COUNTY): "1",
    ("zero_cultivation", COUNTY): "true",
    ("volunteers", COUNTY): "0",
}


def test_the_ratings_in_force_are_worked_out_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    assert main(["ratings", "--dataset", str(path), "--as-of", "2023-06-30"]) == 0
    ratings = json.loads(capsys.readouterr().out)["ratings"]
    # Only CEN1's rating (2023-05-20) is in force; 24 + 22 + 21 + 20.5 = 87.5 ≥ 80, < 90: three stars.
    assert [(r["organisation"], r["total"], r["stars"]) for r in ratings] == [("CEN1", "87.5", 3)]
    assert main(["ratings", "--dataset", str(path), "--as-of", "2023-12-31", "--division", YI]) == 0
    ratings = json.loads(capsys.readouterr().out)["ratings"]
    # Within 乙镇 by the year's end: CEN2, the same scores.
    assert [(r["organisation"], r["total"], r["stars"]) for r in ratings] == [("CEN2", "87.5", 3)]


def rates(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[tuple[str, str], str]:
    """``antidrug rates --dataset … --period 2023H1 ARGS``: each value as the JSON writes it."""
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["rates", "--dataset", str(path), "--period", "2023H1", *args, "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    return {
        (r["indicator"], r["division"]): json.dumps(r["value"])
        if isinstance(r["value"], bool)
        else str(r["value"])
        for r in results
    }


def test_every_figure_of_prevention_is_the_one_worked_out_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = rates(tmp_path, capsys)
    wrong = [
        f"{key}: expected {want}, got {got.get(key)}"
        for key, want in EXPECTED.items()
        if got.get(key) != want
    ]
    assert not wrong, "\n".join(wrong)


def test_one_organisations_figures_keep_only_its_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = rates(tmp_path, capsys, "--organisation", "FOR")
    wanted = EXPECTED_FOR_THE_BUREAU.items()
    wrong = [f"{key}: expected {want}, got {got.get(key)}" for key, want in wanted if got.get(key) != want]
    assert not wrong, "\n".join(wrong)


def test_figures_as_known_before_the_survey_was_recorded_leave_it_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Records without ``recorded_at`` count as recorded at the start of their day (DATASET.md);
    # known at 2023-05-15 the county has s1 (04-20) and s2 (05-10) but not s3 (05-20).
    got = rates(tmp_path, capsys, "--known-at", "2023-05-15T00:00:00+08:00")
    assert got[("surveys", COUNTY)] == "2"
    assert got[("area_surveyed_mu", COUNTY)] == "1550.75"
    assert got[("centres_rated", COUNTY)] == "0"  # CEN1's rating is recorded on 2023-05-20
