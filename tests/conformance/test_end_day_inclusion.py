"""The period is a closed interval of local dates: the end day (and the start day) are included.

Everyone is in 甲乡 (522631101), registered 2020-01-01. Period 2023-01-01/2023-06-30.

| person | status on 2023-06-30 | face checks |
|---|---|---|
| P1 | community_detox | 2023-06-30 (the end day: in) |
| P2 | registered | 2023-01-01 (the start day: in) |
| P3 | registered | 2023-07-01 (the day after: out) |
| P4 | registered | 2022-12-31 (the day before: out) |
| P5 | abstinent_3y from 2023-06-30 (the end day: not managed) | 2023-03-01 |
| P6 | registered; community_detox only from 2023-07-01 | — |
| P7 | community_detox; registered on 2023-06-30 | — |
| P8 | maintenance_treatment; app installed and logged in on 2023-06-30 | — |
"""

from __future__ import annotations

TOWN = "522631101"
COUNTY = "522631"


def build(case):
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 7)] + [p("P7", registered_on="2023-06-30"), p("P8")]
    records = [
        s("P1", "community_detox"),
        r("face_check", "P1", "2023-06-30", method="home_visit"),
        s("P2", "registered"),
        r("face_check", "P2", "2023-01-01", method="video_call"),
        s("P3", "registered"),
        r("face_check", "P3", "2023-07-01", method="home_visit"),
        s("P4", "registered"),
        r("face_check", "P4", "2022-12-31", method="office_visit"),
        s("P5", "community_rehab"),
        s("P5", "abstinent_3y", on="2023-06-30"),
        r("face_check", "P5", "2023-03-01", method="home_visit"),
        s("P6", "registered"),
        s("P6", "community_detox", on="2023-07-01"),
        s("P7", "community_detox", on="2023-06-30"),
        s("P8", "maintenance_treatment"),
        r("app_installed", "P8", "2023-06-30"),
        r("app_login", "P8", "2023-06-30"),
    ]
    return case.dataset(people, records)


def test_records_on_the_first_and_last_day_of_the_period_count(case) -> None:
    output = case.rates(build(case), "--period", "2023-01-01/2023-06-30")
    assert output["period"] == {"start": "2023-01-01", "end": "2023-06-30"}
    assert output["known_at"] is None
    expected = {
        # IP = managed at the end: P1, P2, P3, P4, P6 (still registered on the end day), P7
        # (registered and detox from the end day itself), P8 = 7; P5 left on the end day.
        # N = a face check dated 2023-01-01..2023-06-30: P1 (end day), P2 (start day) = 2.
        # 2/7 = 0.285714285714|28… → 12 places half-up "0.285714285714"; 28.571…% → "28.57%".
        ("face_check_rate", TOWN): case.rate(7, 2, "0.285714285714", "28.57%"),
        # The county holds only this township's people: the same figures.
        ("face_check_rate", COUNTY): case.rate(7, 2, "0.285714285714", "28.57%"),
        # App installed on or before the end: P8 (on the end day) = 1 of 7 → 14.285…% → "14.29%".
        ("app_install_rate", TOWN): case.rate(7, 1, "0.142857142857", "14.29%"),
        # D = IP ∩ installed by the end = P8; a login on the end day is in the period: 1/1.
        ("app_login_rate", TOWN): case.rate(7, 1, "1", "100.00%", d=1),
        # Managed people by status at the end: registered P2, P3, P4, P6 = 4;
        # community_detox P1, P7 = 2; maintenance_treatment P8 = 1; community_rehab none (P5 left).
        ("managed", TOWN): case.count(7),
        ("managed_registered", TOWN): case.count(4),
        ("managed_community_detox", TOWN): case.count(2),
        ("managed_maintenance_treatment", TOWN): case.count(1),
        ("managed_community_rehab", TOWN): case.count(0),
        # P5 is abstinent_3y from the end day on.
        ("abstinent_3y", TOWN): case.count(1),
        # Registered in the period: P7, on the end day; everyone else in 2020.
        ("newly_registered", TOWN): case.count(1),
    }
    case.check(output, expected)


def test_a_one_day_period_is_its_own_start_and_end(case) -> None:
    output = case.rates(build(case), "--period", "2023-06-30/2023-06-30", "--indicator", "face_check_rate")
    # Managed on 2023-06-30: the same 7 people. Only P1's check is dated that day: 1/7.
    case.check(output, {("face_check_rate", TOWN): case.rate(7, 1, "0.142857142857", "14.29%")})


def test_every_division_of_the_dataset_gets_a_result_for_every_indicator(case) -> None:
    output = case.rates(build(case), "--period", "2023H1")
    divisions = ["522631", "522631101", "522631102", "522631103"]
    indicators = sorted({r["indicator"] for r in output["results"]})
    assert len(output["results"]) == len(divisions) * len(indicators)
    # Listed by division code (the county before its townships), then in catalogue order.
    assert [r["division"] for r in output["results"]] == sorted(r["division"] for r in output["results"])
    assert [r["indicator"] for r in output["results"][: len(indicators)]][:2] == [
        "face_check_rate",
        "risk_assessment_rate",
    ]
    # A township with nobody: the face-check rate has no value, with a reason.
    empty = case.result(output, "face_check_rate", "522631102")
    assert (empty["value"], empty["display"]) == (None, "—")
    assert empty["reason"]
