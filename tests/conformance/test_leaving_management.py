"""People who leave the managed population during the period are not in its rates at the end,
but the events they took part in still count. Everyone in 甲乡 (522631101). Period 2023H1.

| person | status history | other records |
|---|---|---|
| P1 | community_detox; in_custody from 05-01 | face check 03-01; lost contact 02-01 (never restored); |
|    |  | a positive urine test 04-20 |
| P2 | community_detox; abstinent_3y from 06-30 | face check 03-01 |
| P3 | registered; deceased from 02-01 | — |
| P4 | registered; compulsory_isolation from 02-01; community_rehab from 06-01 | face check 06-10 |
| P5 | registered | — |
"""

from __future__ import annotations

TOWN = "522631101"


def test_status_at_the_period_end_decides_the_managed_population(case) -> None:
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 6)]
    records = [
        s("P1", "community_detox"),
        r("face_check", "P1", "2023-03-01", method="home_visit"),
        r("lost_contact", "P1", "2023-02-01"),
        r("test_done", "P1", "2023-04-20", kind="urine", result="positive"),
        s("P1", "in_custody", on="2023-05-01"),
        s("P2", "community_detox"),
        r("face_check", "P2", "2023-03-01", method="home_visit"),
        s("P2", "abstinent_3y", on="2023-06-30"),
        s("P3", "registered"),
        s("P3", "deceased", on="2023-02-01"),
        s("P4", "registered"),
        s("P4", "compulsory_isolation", on="2023-02-01"),
        s("P4", "community_rehab", on="2023-06-01"),
        r("face_check", "P4", "2023-06-10", method="office_visit"),
        s("P5", "registered"),
    ]
    output = case.rates(case.dataset(people, records), "--period", "2023H1")
    expected = {
        # Managed on 06-30: P4 (back in the community as community_rehab), P5 = 2. P1 (custody),
        # P2 (abstinent from the end day), P3 (deceased) are not, though P1 and P2 were checked.
        # N: P4's check on 06-10 = 1. 1/2.
        ("face_check_rate", TOWN): case.rate(2, 1, "0.5", "50.00%"),
        ("managed", TOWN): case.count(2),
        ("managed_community_rehab", TOWN): case.count(1),
        ("managed_registered", TOWN): case.count(1),
        ("abstinent_3y", TOWN): case.count(1),
        # Events are counted for everyone attributed, managed or not: P1's positive urine test.
        ("positive_tests", TOWN): case.count(1),
        ("urine_tests_done", TOWN): case.count(1),
        # Lost contact is not gated by status: P1 (in custody) was in lost contact during the
        # period and was not found by its end. IP 1, N 0 → 0/1 = 0 %, a value, not "—".
        ("lost_contact_found_rate", TOWN): case.rate(1, 0, "0", "0.00%"),
        ("lost_contact_at_end", TOWN): case.count(1),
    }
    case.check(output, expected)
