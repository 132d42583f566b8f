"""The work-log sheets (活动, 义工, 踏查, 组织建设, 评定): read with Chinese words, bad cells named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from antidrug_core.converter import record_to_data
from antidrug_core.interchange import write_dataset
from antidrug_core.interchange.spreadsheet import Cell, dataset_to_workbook, read_workbook, workbook_template
from antidrug_core.model import (
    ActivityHeld,
    FundingAllocated,
    InvalidInput,
    LeadingGroupSet,
    LettersSigned,
    PlantsDestroyed,
    RatingAssessed,
    SurveyConducted,
    VolunteerLeft,
)

COUNTY, TOWNSHIP = "522631", "522631101"
RECORD = [None, None]  # 录入时间, 录入人
NO_VOID = [None]


def filled() -> dict[str, list[list[Cell]]]:
    book = workbook_template()
    book["区划"] += [[522631, "某县", None], [522631101, "甲乡", "522631"]]
    book["组织"] += [["O1", "甲乡人民政府", "乡镇（街道）", TOWNSHIP, "2022-01-01"]]
    book["活动"] += [
        [
            "a1",
            "O1",
            "2023-06-26",
            *RECORD,
            *NO_VOID,
            "国际禁毒日宣传",
            "进校园、进社区",
            "国际禁毒日",
            None,
            2,
            1500,
            800.0,
            3,
            40,
            None,
            12,
        ],
    ]
    book["义工"] += [
        ["v1", "O1", "2023-01-05", *RECORD, *NO_VOID, "加入", "V-01"],
        ["v2", "O1", "2023-01-05", *RECORD, *NO_VOID, "加入", "V-02"],
        ["v3", "O1", "2023-05-01", *RECORD, *NO_VOID, "退出", "V-02"],
    ]
    book["踏查"] += [
        [
            "s1",
            "O1",
            "2023-04-20",
            *RECORD,
            *NO_VOID,
            "踏查",
            TOWNSHIP,
            1250.5,
            36,
            3,
            "后山",
            None,
            None,
            None,
        ],
        [
            "f1",
            "O1",
            "2023-04-20",
            *RECORD,
            *NO_VOID,
            "发现种植",
            TOWNSHIP,
            None,
            None,
            None,
            None,
            "罂粟",
            12,
            None,
        ],
        ["d1", "O1", "2023-04-21", *RECORD, *NO_VOID, "铲除", None, None, None, None, None, None, None, "f1"],
    ]
    book["组织建设"] += [
        [
            "g1",
            "O1",
            "2023-01-10",
            *RECORD,
            *NO_VOID,
            "领导小组",
            "乡党委书记",
            "分管副乡长、派出所所长",
            9,
            "是",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "l1",
            "O1",
            "2023-02-01",
            *RECORD,
            *NO_VOID,
            "签订",
            None,
            None,
            None,
            None,
            "目标责任书",
            12,
            "各村（社区）",
            None,
            None,
            None,
            None,
        ],
        [
            "m1",
            "O1",
            "2023-03-01",
            *RECORD,
            *NO_VOID,
            "经费",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            20000.5,
            "宣传资料",
            None,
            None,
        ],
    ]
    book["评定"] += [
        [
            "r1",
            "O1",
            "2023-05-20",
            *RECORD,
            *NO_VOID,
            "example_star@1",
            "组织领导24、基础配套22、队伍建设21、工作机制20.5",
        ]
    ]
    return book


def test_the_work_log_sheets_become_organisation_records_with_chinese_words_translated() -> None:
    dataset = read_workbook(filled())
    by_id = {r.id: r for r in dataset.records}
    activity = by_id["a1"]
    assert isinstance(activity, ActivityHeld)
    assert (activity.channels, activity.key_date, activity.materials, activity.volunteers) == (
        ("school", "community"),
        "0626",
        800,
        12,
    )
    assert isinstance(by_id["v3"], VolunteerLeft)
    survey = by_id["s1"]
    assert isinstance(survey, SurveyConducted)
    assert survey.area_mu == Decimal("1250.5")
    assert isinstance(by_id["d1"], PlantsDestroyed)
    group = by_id["g1"]
    assert isinstance(group, LeadingGroupSet)
    assert (group.deputies, group.office) == (("分管副乡长", "派出所所长"), True)
    letters = by_id["l1"]
    assert isinstance(letters, LettersSigned)
    assert (letters.kind, letters.counterparts) == ("responsibility", ("各村（社区）",))
    funding = by_id["m1"]
    assert isinstance(funding, FundingAllocated)
    assert funding.amount == Decimal("20000.5")
    rating = by_id["r1"]
    assert isinstance(rating, RatingAssessed)
    assert rating.score_of()["mechanisms"] == Decimal("20.5")


def test_the_work_log_survives_a_round_trip_through_a_workbook() -> None:
    dataset = read_workbook(filled())
    document = write_dataset(dataset.records, divisions=dataset.divisions, policy=dataset.policy)
    again = read_workbook(dataset_to_workbook(document))
    assert [record_to_data(r) for r in again.records] == [record_to_data(r) for r in dataset.records]


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "header", "reason"),
    [
        ("活动", 0, 11, "很多", "覆盖人次", "not a whole number"),
        ("活动", 0, 7, "进菜场", "渠道", "is not one of"),
        ("踏查", 0, 8, "两亩", "面积（亩）", "not a decimal number"),
        ("义工", 0, 6, "离开", "事项", "is not one of: 加入、退出"),
        ("组织建设", 0, 10, "也许", "下设办公室", "not 是 or 否"),
        ("踏查", 1, 12, "古柯", "品种", "is not one of"),
        ("评定", 0, 7, "组织领导很好", "各项得分", "item and score"),
    ],
)
def test_a_bad_cell_is_named_by_sheet_row_and_column(
    sheet: str, row: int, column: int, value: Cell, header: str, reason: str
) -> None:
    book = filled()
    book[sheet][1 + row][column] = value
    with pytest.raises(InvalidInput) as caught:
        read_workbook(book)
    problem = next(p for p in caught.value.problems if p.field == header)
    assert problem.row == f"{sheet}!{row + 2}"
    assert reason in problem.reason


def test_a_destruction_of_an_unknown_finding_is_named_by_its_row() -> None:
    book = filled()
    book["踏查"][3][-1] = "f9"
    with pytest.raises(InvalidInput) as caught:
        read_workbook(book)
    assert any(p.row == "踏查!4" and "f9" in p.reason for p in caught.value.problems)


def test_a_plants_found_row_without_plants_is_named() -> None:
    book = filled()
    book["踏查"][2][13] = None
    with pytest.raises(InvalidInput) as caught:
        read_workbook(book)
    assert any(p.row == "踏查!3" and p.field == "株数" for p in caught.value.problems), caught.value.problems
