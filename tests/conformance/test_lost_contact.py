"""Lost contact (脱失) and the find-everyone drive (清零). lost_contact_found_rate: IP = attributed
people in lost contact at any time in the period (whatever their status), N = contact restored by
the period end. A spell runs from the lost_contact date to the contact_restored date; the day
contact is restored is still part of the spell (the person was lost until found that day).
Everyone in 甲乡. Period 2023H1.

| person | status | lost | restored |
|---|---|---|---|
| P1 | registered | 2022-12-01 | 2023-01-01 (the start day) |
| P2 | registered | 2023-03-01 | — |
| P3 | registered | 2023-06-30 | 2023-06-30 (same day, the end day) |
| P4 | registered | 2022-10-01 | 2022-12-31 (before the period) |
| P5 | registered | 2023-07-01 (after the period) | — |
| P6 | registered | 2023-02-01 | 2023-06-30 (the end day) |
| P7 | registered | 2023-05-01 | 2023-07-03 (after the end) |
| P8 | deceased from 2023-04-01 | 2023-01-10 | — |
"""

from __future__ import annotations

TOWN = "522631101"


def test_finding_people_in_lost_contact(case) -> None:
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 9)]
    records = [s(f"P{i}", "registered") for i in range(1, 9)]
    spells = {
        "P1": ("2022-12-01", "2023-01-01"),
        "P2": ("2023-03-01", None),
        "P3": ("2023-06-30", "2023-06-30"),
        "P4": ("2022-10-01", "2022-12-31"),
        "P5": ("2023-07-01", None),
        "P6": ("2023-02-01", "2023-06-30"),
        "P7": ("2023-05-01", "2023-07-03"),
        "P8": ("2023-01-10", None),
    }
    for who, (lost, restored) in spells.items():
        records.append(r("lost_contact", who, lost))
        if restored:
            records.append(r("contact_restored", who, restored))
    records.append(s("P8", "deceased", on="2023-04-01"))
    output = case.rates(case.dataset(people, records), "--period", "2023H1")
    expected = {
        # IP: P1 (found on the start day), P2, P3, P6, P7, P8 (not gated by status) = 6.
        # Not P4 (found before the period), P5 (lost after it).
        # N: restored by 06-30: P1, P3, P6 = 3. 3/6.
        ("lost_contact_found_rate", TOWN): case.rate(6, 3, "0.5", "50.00%"),
        # In lost contact on 06-30: P2, P7, P8 = 3 (P3 and P6 were found that day).
        ("lost_contact_at_end", TOWN): case.count(3),
        # People in lost contact stay in D: managed P1–P7 = 7, nobody was seen. 0/7.
        ("face_check_rate", TOWN): case.rate(7, 0, "0", "0.00%"),
    }
    case.check(output, expected)
