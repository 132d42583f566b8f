"""A person is attributed to the responsible division on the period end; an accepted transfer moves
responsibility from its acceptance date. Period 2023H1, household first.

| person | household | transfer | responsible on 2023-06-30 | face check in period |
|---|---|---|---|---|
| P1 | 甲乡 101 | t1 101 → 乙镇 102, asked 03-01, accepted 03-10 | 102 | 02-01 (by 甲乡, before the move) |
| P2 | 甲乡 101 | t2 101 → 丙乡 103, asked 06-20, accepted 07-02 (after the end) | 101 | 05-05 |
| P3 | 甲乡 101 | t3 101 → 102, rejected 04-05 | 101 | — |
| P4 | 丁乡 522632101 (the neighbouring county) | t4 → 101, asked 05-01, accepted 05-03 | 101 | 05-20 |
"""

from __future__ import annotations

DIVISIONS = [
    {"code": "522631", "name": "某县"},
    {"code": "522631101", "name": "甲乡"},
    {"code": "522631102", "name": "乙镇"},
    {"code": "522631103", "name": "丙乡"},
    {"code": "522632", "name": "邻县"},
    {"code": "522632101", "name": "丁乡"},
]


def build(case):
    p, r, s = case.person, case.record, case.status
    people = [p("P1"), p("P2"), p("P3"), p("P4", household="522632101")]
    records = [
        s("P1", "community_detox"),
        r("face_check", "P1", "2023-02-01", method="home_visit"),
        r("transfer_requested", "P1", "2023-03-01", id="t1", **{"from": "522631101", "to": "522631102"}),
        r("transfer_accepted", "P1", "2023-03-10", request="t1"),
        s("P2", "registered"),
        r("face_check", "P2", "2023-05-05", method="video_call"),
        r("transfer_requested", "P2", "2023-06-20", id="t2", **{"from": "522631101", "to": "522631103"}),
        r("transfer_accepted", "P2", "2023-07-02", request="t2"),
        s("P3", "registered"),
        r("transfer_requested", "P3", "2023-04-01", id="t3", **{"from": "522631101", "to": "522631102"}),
        r("transfer_rejected", "P3", "2023-04-05", request="t3"),
        s("P4", "community_rehab"),
        r("transfer_requested", "P4", "2023-05-01", id="t4", **{"from": "522632101", "to": "522631101"}),
        r("transfer_accepted", "P4", "2023-05-03", request="t4"),
        r("face_check", "P4", "2023-05-20", method="home_visit"),
    ]
    return case.dataset(people, records, divisions=DIVISIONS)


def test_people_count_where_they_are_responsible_on_the_period_end(case) -> None:
    output = case.rates(build(case), "--period", "2023H1")
    null = {"ip": 0, "d": 0, "n": 0, "value": None, "display": "—"}
    expected = {
        # 甲乡 on 06-30: P2 (its transfer is accepted only on 07-02), P3 (rejected), P4 (accepted 05-03) = 3.
        # Face checks in the period: P2, P4 = 2. 2/3 → "0.666666666667", "66.67%".
        ("face_check_rate", "522631101"): case.rate(3, 2, "0.666666666667", "66.67%"),
        # 乙镇: P1 since 03-10. Its 02-01 check counts: N asks for a check dated in the period,
        # whoever made it. 1/1.
        ("face_check_rate", "522631102"): case.rate(1, 1, "1", "100.00%"),
        # 丙乡: nobody yet (P2's acceptance is after the end).
        ("face_check_rate", "522631103"): null,
        # The county: the union P1, P2, P3, P4 = 4, N = P1, P2, P4 = 3 → 3/4.
        ("face_check_rate", "522631"): case.rate(4, 3, "0.75", "75.00%"),
        # 丁乡 and its county lost P4 on 05-03.
        ("face_check_rate", "522632101"): null,
        ("face_check_rate", "522632"): null,
        # Transfers accepted in the period, at the receiving division: t4 into 甲乡, t1 into 乙镇;
        # t2 is accepted after the end, t3 rejected. The county holds both (t1 is internal).
        ("transfers_in", "522631101"): case.count(1),
        ("transfers_in", "522631102"): case.count(1),
        ("transfers_in", "522631103"): case.count(0),
        ("transfers_in", "522631"): case.count(2),
        ("transfers_in", "522632101"): case.count(0),
        # At the sending division: t1 out of 甲乡, t4 out of 丁乡 (and so out of 邻县).
        ("transfers_out", "522631101"): case.count(1),
        ("transfers_out", "522631102"): case.count(0),
        ("transfers_out", "522631"): case.count(1),
        ("transfers_out", "522632101"): case.count(1),
        ("transfers_out", "522632"): case.count(1),
        # Managed people where they are attributed: 甲乡 P2, P3, P4; 乙镇 P1; the county all four.
        ("managed", "522631101"): case.count(3),
        ("managed", "522631102"): case.count(1),
        ("managed", "522631"): case.count(4),
        ("managed", "522632"): case.count(0),
    }
    case.check(output, expected)


def test_a_period_ending_before_the_acceptance_leaves_the_person_with_the_sender(case) -> None:
    output = case.rates(build(case), "--period", "2023-01-01/2023-03-09", "--indicator", "managed")
    # On 03-09 t1 is asked but not yet accepted: P1 is still 甲乡's (with P2, P3); P4 is still 丁乡's.
    case.check(
        output,
        {
            ("managed", "522631101"): case.count(3),
            ("managed", "522631102"): case.count(0),
            ("managed", "522632101"): case.count(1),
        },
    )
