"""``antidrug chemicals check``: every finding of CHEMICALS.md, worked out by hand.

Four units in 甲乡 (522631101); quantities in kg unless said; G1 is U1's purchase filing for
硫酸 (7664-93-9, category 3), valid 2023-01-01 through 2023-12-31.

U1 (since 2020-01-01), 硫酸: 01-01 opening 200; 02-01 received 1 t (under G1); 03-01 used 1150;
03-31 count 50 (U1-c1); 04-10 used 60 (U1-neg); 04-20 produced 10; 05-01 used 100 (U1-void,
voided 05-02); 06-30 count 0.5 (U1-c2); 07-01 produced 5; 07-02 lost 2 (U1-lost1), reported
07-03 (stolen); 08-01 lost 1 (U1-lost2), reported 08-03.

U2 (since 2023-06-01, trade): 05-01 received 100 L 醋酸酐 (category 2) with nothing; 09-01
received 1 麻黄素类 (category 1) with only a filing (G2); inspection I1 09-10 (台账, 储存 fail):
R1 台账 due 10-10 done 10-09, R2 储存 due 10-10 done 11-01; inspection I2 11-01 (库房 fail):
R3 库房 due 12-01, done 12-15 but recorded only on 2024-01-10.

U3 (since 2020-01-01, closed 2023-11-30): 02-01 used 5 丙酮 with no opening (U3-neg).
U4 (since 2024-01-01): 02-01 used 5 (U4-neg).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from antidrug_core.cli import main

TOWN = "522631101"
ACID, ANHYDRIDE, ACETONE = "7664-93-9", "108-24-7", "67-64-1"


def unit(id: str, since: str, roles: list[str] | None = None) -> dict[str, Any]:
    return {"id": id, "name": f"{id} 有限公司", "division": TOWN, "roles": roles or ["use"], "since": since}


def rec(type: str, unit: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": type, "unit": unit, "on": on, **fields}


def move(
    unit: str, on: str, movement: str, quantity: str, chemical: str = ACID, **fields: Any
) -> dict[str, Any]:
    fields.setdefault("measure", "kg")
    return rec("ledger_entry", unit, on, chemical=chemical, movement=movement, quantity=quantity, **fields)


def dataset() -> dict[str, Any]:
    records = [
        rec(
            "licence_granted",
            "U1",
            "2023-01-01",
            id="G1",
            licence="purchase_filing",
            number="F1",
            chemicals=["硫酸"],
            until="2023-12-31",
        ),
        move("U1", "2023-01-01", "opening", "200"),
        move("U1", "2023-02-01", "received", "1", measure="t", licence_number="F1"),
        move("U1", "2023-03-01", "used", "1150"),
        rec("stock_counted", "U1", "2023-03-31", id="U1-c1", chemical=ACID, quantity="50", measure="kg"),
        move("U1", "2023-04-10", "used", "60", id="U1-neg"),
        move("U1", "2023-04-20", "produced", "10"),
        move("U1", "2023-05-01", "used", "100", id="U1-void"),
        rec("ledger_entry", "U1", "2023-05-02", voids="U1-void"),
        rec("stock_counted", "U1", "2023-06-30", id="U1-c2", chemical=ACID, quantity="0.5", measure="kg"),
        move("U1", "2023-07-01", "produced", "5"),
        move("U1", "2023-07-02", "lost", "2", id="U1-lost1"),
        rec(
            "incident_reported",
            "U1",
            "2023-07-03",
            chemical="硫酸",
            kind="stolen",
            quantity="2",
            measure="kg",
        ),
        move("U1", "2023-08-01", "lost", "1", id="U1-lost2"),
        rec("incident_reported", "U1", "2023-08-03", chemical=ACID, kind="lost", quantity="1", measure="kg"),
        move("U2", "2023-05-01", "received", "100", chemical="醋酸酐", measure="L", id="U2-anhydride"),
        move("U2", "2023-09-01", "received", "1", chemical="麻黄素类", id="U2-ephedrine"),
        rec(
            "licence_granted",
            "U2",
            "2023-08-01",
            id="G2",
            licence="purchase_filing",
            number="F2",
            chemicals=["ephedrines"],
        ),
        rec(
            "inspected",
            "U2",
            "2023-09-10",
            id="I1",
            organisation="O1",
            items={"storehouse": "pass", "ledger": "fail", "storage": "fail"},
        ),
        rec(
            "rectification_ordered",
            "U2",
            "2023-09-10",
            id="R1",
            inspection="I1",
            item="ledger",
            due="2023-10-10",
        ),
        rec(
            "rectification_ordered",
            "U2",
            "2023-09-10",
            id="R2",
            inspection="I1",
            item="storage",
            due="2023-10-10",
        ),
        rec("rectification_done", "U2", "2023-10-09", order="R1"),
        rec("rectification_done", "U2", "2023-11-01", order="R2"),
        rec("inspected", "U2", "2023-11-01", id="I2", organisation="O1", items={"storehouse": "fail"}),
        rec(
            "rectification_ordered",
            "U2",
            "2023-11-01",
            id="R3",
            inspection="I2",
            item="storehouse",
            due="2023-12-01",
        ),
        rec("rectification_done", "U2", "2023-12-15", order="R3", recorded_at="2024-01-10T09:00:00+08:00"),
        move("U3", "2023-02-01", "used", "5", chemical=ACETONE, id="U3-neg"),
        rec("unit_closed", "U3", "2023-11-30"),
        move("U4", "2023-02-01", "used", "5", id="U4-neg"),
    ]
    return {
        "format": "antidrug-dataset/1",
        "time_zone": "Asia/Shanghai",
        "divisions": [{"code": "522631", "name": "某县"}, {"code": TOWN, "name": "甲乡", "parent": "522631"}],
        "units": [
            unit("U1", "2020-01-01"),
            unit("U2", "2023-06-01", ["trade"]),
            unit("U3", "2020-01-01"),
            unit("U4", "2024-01-01"),
        ],
        "organisations": [{"id": "O1", "name": "某县应急管理局", "kind": "department", "division": "522631"}],
        "records": records,
    }


@pytest.fixture
def check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(dataset(), ensure_ascii=False), encoding="utf-8")

    def run(*args: str) -> list[tuple[Any, ...]]:
        capsys.readouterr()
        status = main(["chemicals", "check", "--dataset", str(path), *args, "--format", "json"])
        out, err = capsys.readouterr()
        assert status == 0, err
        document = json.loads(out)
        assert document["format"] == "antidrug-chemical-checks/1"
        return [
            (f["unit"], f["on"], f["kind"], f["chemical"], f["record"], f["detail"])
            for f in document["findings"]
        ]

    return run


def test_every_finding_at_the_year_end(check: Any) -> None:
    assert check("--as-of", "2023-12-31") == [
        # U1, 硫酸 by day: 01-01 200; 02-01 +1000 = 1200; 03-01 −1150 = 50 (the 03-31 count of 50
        # matches); 04-10 −60 = −10: from 50 (≥ 0) to below zero, the day's last subtracting
        # movement is U1-neg.
        (
            "U1",
            "2023-04-10",
            "negative_balance",
            ACID,
            "U1-neg",
            "ledger balance -10 kg at the end of the day",
        ),
        # 04-20 +10 = 0; the 05-01 use of 100 is voided and never counts; 06-30 count 0.5 against
        # a balance of 0: count − balance = +0.5.
        (
            "U1",
            "2023-06-30",
            "count_mismatch",
            ACID,
            "U1-c2",
            "counted 0.5 kg, ledger balance 0 kg: +0.5 kg",
        ),
        # U1-lost1 (07-02) was reported 07-03, within the one day of the policy: no finding.
        # U1-lost2 (08-01) was reported 08-03, two days after: the report was due by 08-02.
        (
            "U1",
            "2023-08-01",
            "loss_not_reported",
            ACID,
            "U1-lost2",
            "lost 1 kg: no incident_reported by 2023-08-02",
        ),
        # U2 is in scope at the year end (since 06-01); its findings dated before 06-01 count too.
        # 醋酸酐 is category 2: a permit or a filing was needed; it had neither.
        (
            "U2",
            "2023-05-01",
            "no_purchase_authority",
            ANHYDRIDE,
            "U2-anhydride",
            "category 2: no purchase_permit or purchase_filing valid on 2023-05-01",
        ),
        # 麻黄素类 is category 1: a purchase permit was needed; G2 is only a filing.
        (
            "U2",
            "2023-09-01",
            "no_purchase_authority",
            "ephedrines",
            "U2-ephedrine",
            "category 1: no purchase_permit valid on 2023-09-01",
        ),
        # R1 done before its due date; R2 done late but before the as-of date; R3 done 12-15
        # (recorded later, but everything recorded counts here): no overdue rectification.
        # U3 was closed 11-30 and U4 comes under supervision in 2024: neither is checked.
    ]


def test_findings_as_known_before_a_late_record(check: Any) -> None:
    found = check("--as-of", "2023-12-31", "--known-at", "2024-01-05T12:00:00+08:00")
    # Known on 01-05, R3 (due 12-01) had no completion: it is overdue at the year end. The
    # finding is dated by the order (11-01), so it sorts between U2's two purchases.
    assert [(u, on, kind, record) for u, on, kind, _, record, _ in found] == [
        ("U1", "2023-04-10", "negative_balance", "U1-neg"),
        ("U1", "2023-06-30", "count_mismatch", "U1-c2"),
        ("U1", "2023-08-01", "loss_not_reported", "U1-lost2"),
        ("U2", "2023-05-01", "no_purchase_authority", "U2-anhydride"),
        ("U2", "2023-09-01", "no_purchase_authority", "U2-ephedrine"),
        ("U2", "2023-11-01", "rectification_overdue", "R3"),
    ]
    assert found[-1][3] is None  # a rectification is about no chemical
    assert found[-1][5] == "storehouse: due 2023-12-01, not done"


def test_findings_in_the_spring(check: Any) -> None:
    # As of 04-09: U1's balance has stayed at 0 or more and its only count matched; U2 is not yet
    # in scope (since 06-01); U3 is (closed only in November): its 丙酮 went from 0 to −5 on 02-01.
    assert [(u, on, kind, record) for u, on, kind, _, record, _ in check("--as-of", "2023-04-09")] == [
        ("U3", "2023-02-01", "negative_balance", "U3-neg"),
    ]


def test_a_loss_becomes_a_finding_when_the_day_to_report_it_has_passed(check: Any) -> None:
    # As of 08-01, U1-lost2 still has until the end of 08-02: no finding yet. As of 08-02 the day
    # has passed with no report (the report came 08-03).
    assert "U1-lost2" not in [f[4] for f in check("--as-of", "2023-08-01")]
    assert "U1-lost2" in [f[4] for f in check("--as-of", "2023-08-02")]
