"""``antidrug chemicals``: a unit's precursor chemical ledger, and the checks an inspector makes.

``antidrug chemicals ledger --db URL --unit ID --as-of DATE [--known-at T]
[--format table|json]`` prints one unit's ledger (balances, movements,
counts and whether each matched); ``antidrug chemicals check --dataset FILE
| --db URL --as-of DATE [--known-at T] --format json|table`` prints every
finding of the five checks as ``antidrug-chemical-checks/1``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from antidrug_core.commands.common import DEFAULT_DB, load_dataset_file, local_actor, open_cli_store
from antidrug_core.commands.rates import parse_known_at
from antidrug_core.model import InspectionItem, InvalidInput, Movement, SubjectKind, UnitId
from antidrug_core.model.chemicals import plain_decimal
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.rules import ChemicalCatalogue, Policy
from antidrug_core.services import chemical_findings, unit_ledger
from antidrug_core.state import Finding, FindingKind, Ledger, UnitFile, check_unit

__all__ = [
    "CHECKS_FORMAT",
    "LEDGER_FORMAT",
    "checks_document",
    "checks_table",
    "findings_in_records",
    "ledger_document",
    "ledger_table",
    "register",
]

CHECKS_FORMAT = "antidrug-chemical-checks/1"
"""The format word of ``antidrug chemicals check --format json``."""

LEDGER_FORMAT = "antidrug-chemical-ledger/1"
"""The format word of ``antidrug chemicals ledger --format json``."""

KIND_LABELS: Mapping[FindingKind, str] = {
    FindingKind.NEGATIVE_BALANCE: "账面结存为负",
    FindingKind.COUNT_MISMATCH: "账物不符",
    FindingKind.NO_PURCHASE_AUTHORITY: "无购买许可或备案",
    FindingKind.LOSS_NOT_REPORTED: "丢失未及时报告",
    FindingKind.RECTIFICATION_OVERDUE: "逾期未整改",
}
"""The Chinese name of each kind of finding, for tables."""

MOVEMENT_LABELS: Mapping[Movement, str] = {
    Movement.OPENING: "期初结存",
    Movement.RECEIVED: "购进入库",
    Movement.PRODUCED: "生产入库",
    Movement.ISSUED: "销售出库",
    Movement.USED: "领用",
    Movement.LOST: "丢失",
    Movement.DESTROYED: "销毁",
}
"""The Chinese name of each ledger movement, as a keeper writes it in the ledger."""

ITEM_LABELS: Mapping[InspectionItem, str] = {
    InspectionItem.STOREHOUSE: "库房",
    InspectionItem.LEDGER: "台账",
    InspectionItem.RULES: "管理制度",
    InspectionItem.LABORATORY: "实验室",
    InspectionItem.STORAGE: "储存",
    InspectionItem.PEOPLE: "从业人员",
}
"""The Chinese name of each inspection item (seed 5's words)."""


def register(subparsers: Any) -> None:
    """Add ``chemicals ledger`` and ``chemicals check`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "chemicals",
        help="precursor chemicals (易制毒化学品): a unit's ledger, and the inspector's checks",
        description="Precursor chemicals: a unit's ledger as of a date, and an inspector's five checks.",
    )
    commands = parser.add_subparsers(dest="chemicals_command", metavar="SUBCOMMAND", required=True)

    ledger = commands.add_parser(
        "ledger",
        help="a unit's ledger as of a date: balances, movements, counts (台账)",
        description="Print one unit's ledger at the end of a date: balance per chemical in kg or L, every "
        "movement with the balance after it, and every stock count with whether it matched.",
    )
    ledger.add_argument(
        "--db", metavar="URL", default=DEFAULT_DB, help=f"the store URL (default {DEFAULT_DB})"
    )
    ledger.add_argument("--unit", metavar="ID", required=True, help="the unit's id")
    _dates(ledger)
    ledger.add_argument("--format", choices=["table", "json"], default="table")
    ledger.set_defaults(run=run_ledger)

    check = commands.add_parser(
        "check",
        help=f"every finding of the five checks as of a date ({CHECKS_FORMAT})",
        description="Check every unit in scope on a date: negative balances, counts that do not match the "
        "ledger, purchases without a permit or filing, losses not reported, rectifications overdue.",
    )
    source = check.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="FILE", help="an antidrug-dataset/1 JSON file")
    source.add_argument("--db", metavar="URL", default=None, help=f"a store URL (default {DEFAULT_DB})")
    _dates(check)
    check.add_argument("--format", choices=["json", "table"], default="table")
    check.set_defaults(run=run_check)


def _dates(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", required=True, metavar="DATE", help="the day whose end counts (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--known-at",
        metavar="T",
        default=None,
        help="use only records recorded by T (ISO 8601; without an offset, in the data's time zone)",
    )


def _as_of(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.of("--as-of", f"{text!r} is not a date (YYYY-MM-DD)") from None


def run_ledger(args: argparse.Namespace) -> int:
    """``antidrug chemicals ledger``."""
    as_of = _as_of(args.as_of)
    with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
        known_at = parse_known_at(args.known_at, store.policy.time_zone)
        ledger = unit_ledger(uow, UnitId(args.unit), as_of, known_at)
        catalogue = store.rules.chemicals
    if args.format == "json":
        _print_json(ledger_document(ledger, known_at, catalogue))
    else:
        print(ledger_table(ledger, known_at, catalogue))
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``antidrug chemicals check``."""
    as_of = _as_of(args.as_of)
    if args.dataset is not None:
        dataset = load_dataset_file(args.dataset)
        known_at = parse_known_at(args.known_at, dataset.policy.time_zone)
        catalogue = _dataset_catalogue()
        findings = findings_in_records(dataset.records, as_of, known_at, catalogue, dataset.policy)
    else:
        args.db = args.db or DEFAULT_DB
        with open_cli_store(args, create=False) as store, store.unit_of_work(local_actor()) as uow:
            known_at = parse_known_at(args.known_at, store.policy.time_zone)
            findings = chemical_findings(uow, as_of, known_at)
            catalogue = store.rules.chemicals
    if args.format == "json":
        _print_json(checks_document(as_of, known_at, findings))
    else:
        print(checks_table(as_of, known_at, findings, catalogue))
    return 0


def _dataset_catalogue() -> ChemicalCatalogue:
    """The catalogue with every entry the installed plugins add, as a store would have it."""
    from antidrug_core.bootstrap import load_rules

    return load_rules(make_plugin_manager()).chemicals


def findings_in_records(
    records: Iterable[Any],
    as_of: dt.date,
    known_at: dt.datetime | None,
    catalogue: ChemicalCatalogue,
    policy: Policy,
) -> list[Finding]:
    """Every finding for the units among ``records`` (any subjects; the units' are used), as known at
    ``known_at``, sorted by unit, date and kind."""
    by_unit: dict[UnitId, list[Any]] = {}
    for record in records:
        if record.subject_kind is SubjectKind.UNIT:
            by_unit.setdefault(record.subject, []).append(record)
    found: list[Finding] = []
    for unit, unit_records in sorted(by_unit.items()):
        found.extend(check_unit(UnitFile.build(unit, unit_records, known_at), as_of, catalogue, policy))
    return sorted(found, key=Finding.sort_key)


def checks_document(
    as_of: dt.date, known_at: dt.datetime | None, findings: Sequence[Finding]
) -> dict[str, Any]:
    """The ``antidrug-chemical-checks/1`` document, ready for ``json.dump``."""
    return {
        "format": CHECKS_FORMAT,
        "as_of": as_of.isoformat(),
        "known_at": None if known_at is None else known_at.isoformat(),
        "findings": [
            {
                "unit": f.unit,
                "chemical": f.chemical,
                "kind": f.kind.value,
                "record": f.record,
                "on": f.on.isoformat(),
                "detail": f.detail,
            }
            for f in sorted(findings, key=Finding.sort_key)
        ],
    }


def _chemical_name(catalogue: ChemicalCatalogue, chemical: str | None) -> str:
    if chemical is None:
        return ""
    return catalogue.get(chemical).name if chemical in catalogue else chemical


def _detail_text(finding: Finding) -> str:
    d = finding.figures
    if finding.kind is FindingKind.NEGATIVE_BALANCE:
        return f"当日结存 {d['balance']} {d['measure']}"
    if finding.kind is FindingKind.COUNT_MISMATCH:
        return f"盘点 {d['counted']}，账面 {d['balance']}，差额 {d['difference']} {d['measure']}"
    if finding.kind is FindingKind.NO_PURCHASE_AUTHORITY:
        needs = "购买许可证" if list(d["needs"]) == ["purchase_permit"] else "购买许可证或备案证明"
        return f"第{d['category']}类，无有效{needs}"
    if finding.kind is FindingKind.LOSS_NOT_REPORTED:
        return f"丢失 {d['quantity']} {d['measure']}，应于 {d['report_by']} 前报告公安机关"
    return f"{ITEM_LABELS[InspectionItem(d['item'])]}问题限 {d['due']} 前整改"


def checks_table(
    as_of: dt.date, known_at: dt.datetime | None, findings: Sequence[Finding], catalogue: ChemicalCatalogue
) -> str:
    """The findings as a table in Chinese, for a terminal."""
    known = known_at.isoformat() if known_at else "全部记录"
    lines = [f"易制毒化学品检查  截至 {as_of}  数据截至 {known}", ""]
    if not findings:
        return "\n".join([*lines, "未发现问题。"])
    rows = [["单位", "日期", "问题", "化学品", "记录", "说明"]]
    for f in sorted(findings, key=Finding.sort_key):
        rows.append(
            [
                f.unit,
                f.on.isoformat(),
                KIND_LABELS[f.kind],
                _chemical_name(catalogue, f.chemical),
                f.record,
                _detail_text(f),
            ]
        )
    lines += grid(rows)
    lines += ["", f"共 {len(findings)} 个问题。"]
    return "\n".join(lines)


def ledger_document(
    ledger: Ledger, known_at: dt.datetime | None, catalogue: ChemicalCatalogue
) -> dict[str, Any]:
    """The ``antidrug-chemical-ledger/1`` document: quantities as exact decimal text in kg or L."""
    return {
        "format": LEDGER_FORMAT,
        "unit": ledger.unit,
        "as_of": ledger.as_of.isoformat(),
        "known_at": None if known_at is None else known_at.isoformat(),
        "chemicals": [
            {
                "chemical": c.chemical,
                "name": _chemical_name(catalogue, c.chemical),
                "measure": str(c.measure),
                "balance": plain_decimal(c.balance),
                "movements": [
                    {
                        "record": line.record.id,
                        "on": line.record.on.isoformat(),
                        "movement": line.record.movement.value,
                        "quantity": plain_decimal(line.record.quantity),
                        "measure": str(line.record.measure),
                        "change": plain_decimal(line.change),
                        "balance": plain_decimal(line.balance),
                        "counterparty": line.record.counterparty,
                        "licence_number": line.record.licence_number,
                    }
                    for line in c.movements
                ],
                "counts": [
                    {
                        "record": count.record.id,
                        "on": count.record.on.isoformat(),
                        "counted": plain_decimal(count.counted),
                        "balance": plain_decimal(count.balance),
                        "difference": plain_decimal(count.difference),
                        "matched": count.matched,
                    }
                    for count in c.counts
                ],
            }
            for c in ledger.chemicals
        ],
    }


def ledger_table(ledger: Ledger, known_at: dt.datetime | None, catalogue: ChemicalCatalogue) -> str:
    """The ledger as tables in Chinese: one per chemical, movements then counts."""
    known = known_at.isoformat() if known_at else "全部记录"
    lines = [f"易制毒化学品台账  单位 {ledger.unit}  截至 {ledger.as_of}  数据截至 {known}"]
    if not ledger.chemicals:
        return "\n".join([*lines, "", "无台账记录。"])
    for c in ledger.chemicals:
        lines += [
            "",
            f"{_chemical_name(catalogue, c.chemical)}（{c.chemical}）  "
            f"结存 {plain_decimal(c.balance)} {c.measure}",
        ]
        rows = [
            ["日期", "摘要", "数量", "增减（" + str(c.measure) + "）", "结存", "往来单位", "许可证号", "记录"]
        ]
        for line in c.movements:
            r = line.record
            rows.append(
                [
                    r.on.isoformat(),
                    MOVEMENT_LABELS[r.movement],
                    f"{plain_decimal(r.quantity)} {r.measure}",
                    plain_decimal(line.change),
                    plain_decimal(line.balance),
                    r.counterparty or "",
                    r.licence_number or "",
                    r.id,
                ]
            )
        lines += grid(rows)
        if c.counts:
            lines += ["", "盘点："]
            count_rows = [["日期", "实盘", "账面", "差额", "是否相符", "记录"]]
            for count in c.counts:
                count_rows.append(
                    [
                        count.record.on.isoformat(),
                        plain_decimal(count.counted),
                        plain_decimal(count.balance),
                        plain_decimal(count.difference),
                        "相符" if count.matched else "不符",
                        count.record.id,
                    ]
                )
            lines += grid(count_rows)
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def grid(rows: list[list[str]]) -> list[str]:
    """Rows aligned in columns, wide (Chinese) characters counted twice."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(c + " " * (widths[i] - _width(c)) for i, c in enumerate(row)).rstrip() for row in rows]


def _print_json(document: Mapping[str, Any]) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2))
