"""Tests due, done and excused. urine_test_rate: D = managed people with a urine test due in the
period; N = a urine test done in the period; DE = people in D, not in N, whose every urine test
due in the period was excused (by the period end). test_adherence (version 2): items = tests due
in the period; N = fulfilled by a test taken within due date ± 7 days (and by the period end);
DE = items not in N excused by the period end. Version 1 had no exception.
Everyone registered in 甲乡. Period 2023H1, window 7 days.

| person | due | done | excused |
|---|---|---|---|
| P1 | urine u1 03-01 | urine 03-03 (names no due) | — |
| P2 | urine u2 03-01 | — | u2 on 03-01 |
| P3 | urine u3a 02-01, u3b 04-01 | — | u3a only |
| P4 | urine u4 03-01 | urine 03-02 naming u4 | u4 on 03-01 |
| P5 | — | urine 05-01 (ad hoc) | — |
| P6 | urine u6 06-25 | — | u6 on 07-02 (after the end) |
| P7 | hair h7 04-10 | hair 04-20 naming h7 (10 days late) | — |
| P8 | urine u8 06-28 | urine 07-02 naming u8 (in the window, after the end) | — |
"""

from __future__ import annotations

TOWN = "522631101"


def build(case):
    p, r, s = case.person, case.record, case.status
    people = [p(f"P{i}") for i in range(1, 9)]
    records = [s(f"P{i}", "registered") for i in range(1, 9)]
    urine = {"kind": "urine", "result": "negative"}
    records += [
        r("test_due", "P1", "2023-03-01", id="u1", kind="urine"),
        r("test_done", "P1", "2023-03-03", **urine),
        r("test_due", "P2", "2023-03-01", id="u2", kind="urine"),
        r("test_excused", "P2", "2023-03-01", due="u2", reason="住院"),
        r("test_due", "P3", "2023-02-01", id="u3a", kind="urine"),
        r("test_due", "P3", "2023-04-01", id="u3b", kind="urine"),
        r("test_excused", "P3", "2023-02-01", due="u3a", reason="外出务工，已报备"),
        r("test_due", "P4", "2023-03-01", id="u4", kind="urine"),
        r("test_excused", "P4", "2023-03-01", due="u4", reason="住院"),
        r("test_done", "P4", "2023-03-02", due="u4", **urine),
        r("test_done", "P5", "2023-05-01", **urine),
        r("test_due", "P6", "2023-06-25", id="u6", kind="urine"),
        r("test_excused", "P6", "2023-07-02", due="u6", reason="住院"),
        r("test_due", "P7", "2023-04-10", id="h7", kind="hair"),
        r("test_done", "P7", "2023-04-20", due="h7", kind="hair", result="negative"),
        r("test_due", "P8", "2023-06-28", id="u8", kind="urine"),
        r("test_done", "P8", "2023-07-02", due="u8", **urine),
    ]
    return case.dataset(people, records, window=7)


def test_due_done_and_excused_tests(case) -> None:
    output = case.rates(build(case), "--period", "2023H1")
    expected = {
        # IP: all 8 managed. D: a urine test due in the period: P1, P2, P3, P4, P6, P8 = 6.
        # N: a urine test done in the period: P1 (03-03), P4 (03-02) = 2; P5 is not in D,
        # P8's test is dated after the end.
        # DE (in D, not in N, every urine due excused by the end): P2 = 1. Not P3 (u3b is not
        # excused), not P4 (in N), not P6 (excused only after the end).
        # Score 2 / (6 − 0 − 1) = 2/5.
        ("urine_test_rate", TOWN): case.rate(8, 2, "0.4", "40.00%", d=6, de=1),
        # Hair: D = P7; a hair test done 04-20 is in the period (lateness does not matter here). 1/1.
        ("hair_test_rate", TOWN): case.rate(8, 1, "1", "100.00%", d=1),
        # Items: u1, u2, u3a, u3b, u4, u6, h7, u8 = 8 (IP = D).
        # N: u1 (an unnamed urine test 2 days after), u4 (its named test 1 day after) = 2.
        # Not: u2, u3a (excused, never done), u3b, u6 (not done), h7 (10 days > 7),
        # u8 (in the window, but after the period end).
        # DE (not in N, excused by the end): u2, u3a = 2. Not u4 (in N), not u6 (excused after
        # the end). 2 / (8 − 0 − 2) = 1/3.
        ("test_adherence", TOWN): case.rate(8, 2, "0.333333333333", "33.33%", de=2),
        # Person-times: urine due u1, u2, u3a, u3b, u4, u6, u8 = 7; done in the period P1, P4,
        # P5 = 3 (P8's is after the end); hair due 1, done 1; nothing positive.
        ("urine_tests_due", TOWN): case.count(7),
        ("urine_tests_done", TOWN): case.count(3),
        ("hair_tests_due", TOWN): case.count(1),
        ("hair_tests_done", TOWN): case.count(1),
        ("positive_tests", TOWN): case.count(0),
    }
    case.check(output, expected)


def test_the_window_is_the_datasets_policy(case) -> None:
    document = build(case)
    document["policy"]["test_window_days"] = 10
    output = case.rates(document, "--period", "2023H1", "--indicator", "test_adherence")
    # With ±10 days, h7's test 10 days late is within the window: N = u1, u4, h7 = 3 of 8 − 2.
    case.check(output, {("test_adherence", TOWN): case.rate(8, 3, "0.5", "50.00%", de=2)})
    assert output["policy"]["test_window_days"] == 10


def test_version_1_of_test_adherence_reproduces_the_figures_reported_under_it(case) -> None:
    output = case.rates(build(case), "--period", "2023H1", "--indicator", "test_adherence@1")
    # Version 1 had no exception: the excused u2 and u3a count against the division. 2/8.
    case.check(output, {("test_adherence", TOWN): case.rate(8, 2, "0.25", "25.00%")})
    [result] = [r for r in output["results"] if r["division"] == TOWN]
    assert result["version"] == 1
    current = case.rates(build(case), "--period", "2023H1", "--indicator", "test_adherence")
    [now] = [r for r in current["results"] if r["division"] == TOWN]
    assert now["version"] == 2
    assert now["digest"] != result["digest"]
