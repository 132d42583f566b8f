"""A division's figure includes every division below it, by the union of person sets: counts add
up and rates are never averaged. Period 2023H1.

| division | people (face check in period?) |
|---|---|
| 甲乡 522631101 | P1 (yes) |
| 甲乡's village 522631101001 | P2 (no), P3 (yes) |
| 乙镇 522631102 | P4 (yes), P5 (no), P6 (no), P7 (no) |
"""

from __future__ import annotations

DIVISIONS = [
    {"code": "522631", "name": "某县"},
    {"code": "522631101", "name": "甲乡"},
    {"code": "522631101001", "name": "甲村"},
    {"code": "522631102", "name": "乙镇"},
]


def test_parents_hold_the_union_of_their_childrens_people(case) -> None:
    p, r, s = case.person, case.record, case.status
    village = "522631101001"
    people = [
        p("P1"),
        p("P2", household=village),
        p("P3", household=village),
        *(p(f"P{i}", household="522631102") for i in range(4, 8)),
    ]
    records = [s(f"P{i}", "registered") for i in range(1, 8)]
    records += [r("face_check", who, "2023-03-01", method="home_visit") for who in ("P1", "P3", "P4")]
    output = case.rates(case.dataset(people, records, divisions=DIVISIONS), "--period", "2023H1")
    expected = {
        # The village: P2, P3; N = P3. 1/2.
        ("face_check_rate", village): case.rate(2, 1, "0.5", "50.00%"),
        # 甲乡: its own P1 and its village's P2, P3; N = P1, P3. 2/3.
        ("face_check_rate", "522631101"): case.rate(3, 2, "0.666666666667", "66.67%"),
        # 乙镇: P4–P7; N = P4. 1/4.
        ("face_check_rate", "522631102"): case.rate(4, 1, "0.25", "25.00%"),
        # The county: all 7, N = 3. 3/7 = 42.857…% → "42.86%" — not the average of its
        # townships' rates ((66.67 % + 25 %) / 2 = 45.83 %).
        ("face_check_rate", "522631"): case.rate(7, 3, "0.428571428571", "42.86%"),
        ("managed", "522631101"): case.count(3),
        ("managed", "522631"): case.count(7),
    }
    case.check(output, expected)
    face = [r["division"] for r in output["results"] if r["indicator"] == "face_check_rate"]
    assert face == ["522631", "522631101", village, "522631102"]


def test_division_filters_report_one_division_with_everything_below_it(case) -> None:
    p, s = case.person, case.status
    people = [p("P1"), p("P2", household="522631101001"), p("P3", household="522631102")]
    records = [s(f"P{i}", "registered") for i in range(1, 4)]
    output = case.rates(
        case.dataset(people, records, divisions=DIVISIONS),
        "--period",
        "2023H1",
        "--division",
        "522631101",
        "--indicator",
        "managed",
    )
    # Only 甲乡, holding P1 and its village's P2.
    assert [(r["indicator"], r["division"]) for r in output["results"]] == [("managed", "522631101")]
    case.check(output, {("managed", "522631101"): case.count(2)})
