"""A voided record never counts once its void is known; a correction counts in its place, at its
own date; voiding a void restores the original. Everyone in 甲乡. Period 2023H1.

| person | records |
|---|---|
| P1 | registered; face check a1 03-01; a pure void of a1 (03-05) |
| P2 | registered; face check b1 06-01; a correction of b1 dated 07-02 |
| P3 | registered; face check c1 04-01; void c2 of c1; void c3 of c2 |
| P4 | community_detox since 2020; abstinent_3y from 03-01 (s2), voided on 03-10 |
| P5 | registered; face check e1 02-01; a correction of e1 dated 02-02 |
"""

from __future__ import annotations

TOWN = "522631101"


def test_voids_and_corrections(case) -> None:
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 6)]
    records = [
        s("P1", "registered"),
        r("face_check", "P1", "2023-03-01", id="a1", method="home_visit"),
        r("face_check", "P1", "2023-03-05", voids="a1"),
        s("P2", "registered"),
        r("face_check", "P2", "2023-06-01", id="b1", method="home_visit"),
        r("face_check", "P2", "2023-07-02", voids="b1", method="video_call"),
        s("P3", "registered"),
        r("face_check", "P3", "2023-04-01", id="c1", method="home_visit"),
        r("face_check", "P3", "2023-04-02", id="c2", voids="c1"),
        r("face_check", "P3", "2023-04-03", id="c3", voids="c2"),
        s("P4", "community_detox"),
        s("P4", "abstinent_3y", on="2023-03-01", id="s2"),
        r("status_changed", "P4", "2023-03-10", voids="s2"),
        s("P5", "registered"),
        r("face_check", "P5", "2023-02-01", id="e1", method="home_visit"),
        r("face_check", "P5", "2023-02-02", voids="e1", method="office_visit"),
    ]
    output = case.rates(case.dataset(people, records), "--period", "2023H1")
    expected = {
        # Managed: all five (P4's move to abstinent_3y is voided: community_detox again).
        # N: P3 (c3 voids the void c2, so c1 counts again), P5 (the correction, dated 02-02) = 2.
        # Not N: P1 (a1 voided), P2 (b1 replaced by a correction dated after the period). 2/5.
        ("face_check_rate", TOWN): case.rate(5, 2, "0.4", "40.00%"),
        ("managed_community_detox", TOWN): case.count(1),
        ("abstinent_3y", TOWN): case.count(0),
    }
    case.check(output, expected)
