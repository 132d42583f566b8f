"""A net denominator of 0 gives no value (null, "—", a reason), never 0 % or 100 %; a numerator of
0 over a positive denominator is 0 %. Period 2023H1.

| person | division | records |
|---|---|---|
| P1 | 甲乡 101 | registered; urine test due 03-01, excused 03-02 |
| P2 | 甲乡 101 | registered |
| P3 | 乙镇 102 | abstinent_3y |
丙乡 103 has nobody.
"""

from __future__ import annotations


def test_no_value_when_nobody_is_left_in_the_denominator(case) -> None:
    p, r, s = case.person, case.record, case.status
    people = [p("P1"), p("P2"), p("P3", household="522631102")]
    records = [
        s("P1", "registered"),
        r("test_due", "P1", "2023-03-01", id="u1", kind="urine"),
        r("test_excused", "P1", "2023-03-02", due="u1", reason="住院"),
        s("P2", "registered"),
        s("P3", "abstinent_3y"),
    ]
    output = case.rates(case.dataset(people, records), "--period", "2023H1")
    no_value = {"value": None, "display": "—"}
    expected = {
        # 甲乡: P1, P2 managed, no face check: 0 over 2 is a value, 0 %.
        ("face_check_rate", "522631101"): case.rate(2, 0, "0", "0.00%"),
        ("face_check_rate", "522631"): case.rate(2, 0, "0", "0.00%"),
        # 乙镇: its only person is not managed: IP 0, no value.
        ("face_check_rate", "522631102"): {"ip": 0, "d": 0, **no_value},
        ("face_check_rate", "522631103"): {"ip": 0, "d": 0, **no_value},
        # Nobody installed the app: D = 0 though IP = 2.
        ("app_login_rate", "522631101"): {"ip": 2, "d": 0, "n": 0, **no_value},
        # P1's only urine test is excused: D 1, DE 1, net 0.
        ("urine_test_rate", "522631101"): {"ip": 2, "d": 1, "de": 1, "n": 0, **no_value},
        # Nobody lost contact: IP 0.
        ("lost_contact_found_rate", "522631101"): {"ip": 0, **no_value},
        # Counts are never without a value.
        ("abstinent_3y", "522631102"): case.count(1),
        ("managed", "522631103"): case.count(0),
    }
    case.check(output, expected)
    for indicator, division in [
        ("face_check_rate", "522631102"),
        ("app_login_rate", "522631101"),
        ("urine_test_rate", "522631101"),
    ]:
        assert case.result(output, indicator, division)["reason"]
    assert "reason" not in case.result(output, "face_check_rate", "522631101")
    assert "DE 1" in case.result(output, "urine_test_rate", "522631101")["reason"]
