"""``--known-at T``: only records recorded at or before T count, and voids recorded after T are
ignored — the figure as it could have been reported at T. Everyone in 甲乡. Period 2023H1.
A record without ``recorded_at`` is recorded at the start of its ``on`` day (Asia/Shanghai).

| person | records |
|---|---|
| P1 | registered since 2020; face check f1 dated 06-15, recorded 07-10 10:00 |
| P2 | registered; face check f2 dated 03-01 (recorded that day); a void of f2 recorded 07-08 09:00 |
| P3 | registered on 06-01 as community_detox, all recorded 07-06 08:00 |
| P4 | registered; face check f4 dated 04-01, recorded 07-05 12:00:00+08:00 exactly |
| P5 | community_detox since 2020, face check 05-01; abstinent_3y from 06-20, recorded 07-09 |
| P6 | registered; no face check |
"""

from __future__ import annotations

TOWN = "522631101"
T = "2023-07-05T12:00:00+08:00"


def build(case):
    p, r, s = case.person, case.record, case.status
    late_p3 = "2023-07-06T08:00:00+08:00"
    people = [
        p("P1"),
        p("P2"),
        {"id": "P3", "household": TOWN, "registered_on": "2023-06-01", "recorded_at": late_p3},
        p("P4"),
        p("P5"),
        p("P6"),
    ]
    records = [
        s("P1", "registered"),
        r(
            "face_check",
            "P1",
            "2023-06-15",
            id="f1",
            method="home_visit",
            recorded_at="2023-07-10T10:00:00+08:00",
        ),
        s("P2", "registered"),
        r("face_check", "P2", "2023-03-01", id="f2", method="home_visit"),
        r("face_check", "P2", "2023-07-08", voids="f2", recorded_at="2023-07-08T09:00:00+08:00"),
        s("P3", "community_detox", on="2023-06-01", recorded_at=late_p3),
        s("P4", "registered"),
        r("face_check", "P4", "2023-04-01", id="f4", method="video_call", recorded_at=T),
        s("P5", "community_detox"),
        r("face_check", "P5", "2023-05-01", method="home_visit"),
        s("P5", "abstinent_3y", on="2023-06-20", recorded_at="2023-07-09T09:00:00+08:00"),
        s("P6", "registered"),
    ]
    return case.dataset(people, records)


def test_the_figure_as_it_could_have_been_reported_at_t(case) -> None:
    output = case.rates(build(case), "--period", "2023H1", "--known-at", T)
    assert output["known_at"] == T
    expected = {
        # Known at T: P1, P2, P4, P5 (still community_detox: its change was recorded 07-09), P6 = 5;
        # P3 was not recorded yet. N: P2 (f2 counts, its void is not known yet), P4 (recorded at
        # exactly T: "at or before"), P5 = 3; P1's check was recorded after T. 3/5.
        ("face_check_rate", TOWN): case.rate(5, 3, "0.6", "60.00%"),
        ("managed", TOWN): case.count(5),
        ("newly_registered", TOWN): case.count(0),
        ("abstinent_3y", TOWN): case.count(0),
    }
    case.check(output, expected)


def test_without_known_at_every_record_counts(case) -> None:
    output = case.rates(build(case), "--period", "2023H1")
    expected = {
        # Everything: managed P1, P2, P3, P4, P6 = 5 (P5 abstinent from 06-20).
        # N: P1 (f1), P4 (f4) = 2; P2's f2 is voided, P3 and P6 have none. 2/5.
        ("face_check_rate", TOWN): case.rate(5, 2, "0.4", "40.00%"),
        ("newly_registered", TOWN): case.count(1),
        ("abstinent_3y", TOWN): case.count(1),
    }
    case.check(output, expected)


def test_a_known_at_after_everything_was_recorded_is_the_same_as_none(case) -> None:
    later = case.rates(build(case), "--period", "2023H1", "--known-at", "2023-08-01T00:00:00+08:00")
    everything = case.rates(build(case), "--period", "2023H1")
    assert later["results"] == everything["results"]


def test_a_known_at_without_an_offset_is_read_in_the_datasets_time_zone(case) -> None:
    # "2023-07-05" is the start of that day in Asia/Shanghai (as a record without recorded_at is):
    # P4's f4, recorded at 12:00 that day, is not known yet. N: P2, P5 = 2 of the same 5.
    output = case.rates(build(case), "--period", "2023H1", "--known-at", "2023-07-05")
    assert output["known_at"] == "2023-07-05T00:00:00+08:00"
    case.check(output, {("face_check_rate", TOWN): case.rate(5, 2, "0.4", "40.00%")})
    # 04:00 UTC is 12:00 in Shanghai: exactly T again.
    output = case.rates(build(case), "--period", "2023H1", "--known-at", "2023-07-05T04:00:00+00:00")
    case.check(output, {("face_check_rate", TOWN): case.rate(5, 3, "0.6", "60.00%")})
