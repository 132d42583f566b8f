"""A relapse after 戒断三年未复吸 brings the person back under management from its date (一般在册),
until a later status change. Everyone in 甲乡, abstinent_3y from 2022-03-01. Period 2023H1.

| person | after abstinence |
|---|---|
| P1 | positive urine test 2023-02-10 |
| P2 | relapse found 2023-07-05 (after the period) |
| P3 | negative urine test 2023-02-10 |
| P4 | relapse found 2023-02-01, then compulsory isolation from 2023-04-01 |
| P5 | positive test 2022-02-20, before the abstinence began |
"""

from __future__ import annotations

TOWN = "522631101"


def test_a_relapse_after_three_years_counts_the_person_as_managed_again(case) -> None:
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 6)]
    records = []
    for i in range(1, 6):
        records += [
            s(f"P{i}", "community_detox", on="2019-03-01"),
            s(f"P{i}", "abstinent_3y", on="2022-03-01"),
        ]
    records += [
        r(
            "test_done",
            "P1",
            "2023-02-10",
            kind="urine",
            result="positive",
            recorded_at="2023-07-03T10:00:00+08:00",  # the laboratory's result came in after the period
        ),
        r("relapse_found", "P2", "2023-07-05"),
        r("test_done", "P3", "2023-02-10", kind="urine", result="negative"),
        r("relapse_found", "P4", "2023-02-01"),
        s("P4", "compulsory_isolation", on="2023-04-01"),
        r("test_done", "P5", "2022-02-20", kind="urine", result="positive"),
    ]
    document = case.dataset(people, records)
    expected = {
        # Managed at 06-30: P1 only (registered from 02-10). P2 relapsed after the end, P3 tested
        # negative, P4 is in isolation, P5's positive test came before the abstinence.
        ("managed", TOWN): case.count(1),
        # Still abstinent: P2, P3, P5.
        ("abstinent_3y", TOWN): case.count(3),
        # P1 is in D for face checks and nobody was seen: 0/1.
        ("face_check_rate", TOWN): case.rate(1, 0, "0", "0.00%"),
    }
    case.check(case.rates(document, "--period", "2023H1"), expected)
    # As of 2023-03-31 P4 is managed too (registered from 02-01, isolated only from 04-01).
    march = case.rates(document, "--period", "2023-01-01/2023-03-31")
    case.check(march, {("managed", TOWN): case.count(2), ("abstinent_3y", TOWN): case.count(3)})
    # As known on 2023-07-01, P1's positive test was not yet recorded: the figure reported then
    # counted P1 as abstinent, and --known-at reproduces it.
    then = case.rates(document, "--period", "2023H1", "--known-at", "2023-07-01")
    case.check(then, {("managed", TOWN): case.count(0), ("abstinent_3y", TOWN): case.count(4)})
    # As of 2022-12-31 nobody had relapsed yet: all five abstinent.
    before = case.rates(document, "--period", "2022-07-01/2022-12-31")
    case.check(before, {("managed", TOWN): case.count(0), ("abstinent_3y", TOWN): case.count(5)})
