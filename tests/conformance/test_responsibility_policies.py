"""Household first (户籍地为主, the default) and residence first; an accepted transfer overrides
either; a co-managing division's own view is labelled and never added upward. Period 2023H1.

| person | household | residence | transfer | face check in period |
|---|---|---|---|---|
| P1 | 甲乡 101 | 乙镇 102 | — | — |
| P2 | 甲乡 101 | (none) | — | 03-01 |
| P3 | 乙镇 102 | 甲乡 101 | 102 → 丙乡 103, accepted 02-05 | 03-01 |
| P4 | 丙乡 103 | 乙镇 102 | — | 03-01 |
"""

from __future__ import annotations


def build(case, responsible: str):
    p, r, s = case.person, case.record, case.status
    people = [
        p("P1", household="522631101", residence="522631102"),
        p("P2", household="522631101"),
        p("P3", household="522631102", residence="522631101"),
        p("P4", household="522631103", residence="522631102"),
    ]
    records = [s(f"P{i}", "registered") for i in range(1, 5)]
    records += [
        r("face_check", "P2", "2023-03-01", method="home_visit"),
        r("transfer_requested", "P3", "2023-02-01", id="t3", **{"from": "522631102", "to": "522631103"}),
        r("transfer_accepted", "P3", "2023-02-05", request="t3"),
        r("face_check", "P3", "2023-03-01", method="home_visit"),
        r("face_check", "P4", "2023-03-01", method="video_call"),
    ]
    return case.dataset(people, records, responsible=responsible)


def test_household_first(case) -> None:
    output = case.rates(
        build(case, "household_first"), "--period", "2023H1", "--indicator", "face_check_rate"
    )
    assert output["policy"]["responsible"] == "household_first"
    expected = {
        # 甲乡: P1, P2 by household; N = P2. 1/2.
        ("face_check_rate", "522631101"): case.rate(2, 1, "0.5", "50.00%"),
        # 乙镇: nobody (P3 was transferred away; P1 and P4 only live there).
        ("face_check_rate", "522631102"): {"ip": 0, "value": None, "display": "—"},
        # 丙乡: P3 by the accepted transfer, P4 by household; both checked. 2/2.
        ("face_check_rate", "522631103"): case.rate(2, 2, "1", "100.00%"),
        # County: all four, N = P2, P3, P4. 3/4.
        ("face_check_rate", "522631"): case.rate(4, 3, "0.75", "75.00%"),
    }
    case.check(output, expected)


def test_residence_first(case) -> None:
    output = case.rates(
        build(case, "residence_first"), "--period", "2023H1", "--indicator", "face_check_rate"
    )
    assert output["policy"]["responsible"] == "residence_first"
    expected = {
        # 甲乡: P2 (no residence known: household). 1/1.
        ("face_check_rate", "522631101"): case.rate(1, 1, "1", "100.00%"),
        # 乙镇: P1 and P4 by residence; N = P4. 1/2.
        ("face_check_rate", "522631102"): case.rate(2, 1, "0.5", "50.00%"),
        # 丙乡: P3, by the accepted transfer (it overrides the policy). 1/1.
        ("face_check_rate", "522631103"): case.rate(1, 1, "1", "100.00%"),
        # County: the same four people and checks as under household first. 3/4.
        ("face_check_rate", "522631"): case.rate(4, 3, "0.75", "75.00%"),
    }
    case.check(output, expected)


def test_a_co_managing_division_sees_its_own_people_and_nothing_is_added_upward(case) -> None:
    output = case.rates(
        build(case, "household_first"),
        "--period",
        "2023H1",
        "--indicator",
        "face_check_rate",
        "--view",
        "cooperating",
    )
    assert {r["view"] for r in output["results"]} == {"cooperating"}
    expected = {
        # Co-managed = a place of the person that is not the responsible division on 06-30.
        # 甲乡: P3 (residence; responsible is 丙乡). 1/1.
        ("face_check_rate", "522631101"): case.rate(1, 1, "1", "100.00%"),
        # 乙镇: P1 (residence), P3 (household), P4 (residence); N = P3, P4. 2/3.
        ("face_check_rate", "522631102"): case.rate(3, 2, "0.666666666667", "66.67%"),
        # 丙乡: it is responsible for everyone it holds; co-manages nobody.
        ("face_check_rate", "522631103"): {"ip": 0, "value": None, "display": "—"},
        # The county is no one's place, and co-managing views are never summed upward.
        ("face_check_rate", "522631"): {"ip": 0, "value": None, "display": "—"},
    }
    case.check(output, expected)
