"""Assessment, tiered control, care, the app and driving licences. Everyone registered in 甲乡.
Period 2023H1.

| person | app | licence | assessment / level | care |
|---|---|---|---|---|
| P1 | installed 2022-05-01, login 02-01 | found 2022-01-01, notified 01-15 | assessed 02-01 | 03-01 |
| P2 | installed 07-01, login 03-01 | found 06-30 | level 2022-06-01, assessed 2022-12-31 | — |
| P3 | — | notified 03-01, never found | — | — |
| P4 | installed 01-01, no login | — | assessed 06-30 | 07-01 |
"""

from __future__ import annotations

TOWN = "522631101"


def test_assessment_control_care_app_and_licences(case) -> None:
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 5)]
    records = [s(f"P{i}", "registered") for i in range(1, 5)]
    records += [
        r("app_installed", "P1", "2022-05-01"),
        r("app_login", "P1", "2023-02-01"),
        r("licence_found", "P1", "2022-01-01"),
        r("licence_notified", "P1", "2023-01-15"),
        r("risk_assessed", "P1", "2023-02-01", level="high"),
        r("care_provided", "P1", "2023-03-01", measure="counselling"),
        r("app_installed", "P2", "2023-07-01"),
        r("app_login", "P2", "2023-03-01"),
        r("licence_found", "P2", "2023-06-30"),
        r("control_level_set", "P2", "2022-06-01", level="low"),
        r("risk_assessed", "P2", "2022-12-31", level="medium"),
        r("licence_notified", "P3", "2023-03-01"),
        r("app_installed", "P4", "2023-01-01"),
        r("risk_assessed", "P4", "2023-06-30", level="low"),
        r("care_provided", "P4", "2023-07-01", measure="employment_guidance"),
    ]
    output = case.rates(case.dataset(people, records), "--period", "2023H1")
    expected = {
        # Assessed in the period: P1 (02-01), P4 (06-30) = 2 of 4; P2's was on 2022-12-31.
        ("risk_assessment_rate", TOWN): case.rate(4, 2, "0.5", "50.00%"),
        # A control level in effect on 06-30 (any level record on or before it): P1, P2, P4 = 3 of 4.
        ("tiered_control_rate", TOWN): case.rate(4, 3, "0.75", "75.00%"),
        # Care dated in the period: P1 = 1 of 4 (P4's is after the end).
        ("care_rate", TOWN): case.rate(4, 1, "0.25", "25.00%"),
        # Installed on or before 06-30: P1, P4 = 2 of 4.
        ("app_install_rate", TOWN): case.rate(4, 2, "0.5", "50.00%"),
        # D = installed by the end: P1, P4; a login in the period: P1. 1/2 (P2's login does not
        # count: P2 is not in D).
        ("app_login_rate", TOWN): case.rate(4, 1, "0.5", "50.00%", d=2),
        # D = known licence holders by the end: P1, P2 (found on the end day); notified: P1. 1/2.
        # P3 was notified but is not a known holder: not in D.
        ("licence_notified_rate", TOWN): case.rate(4, 1, "0.5", "50.00%", d=2),
    }
    case.check(output, expected)
