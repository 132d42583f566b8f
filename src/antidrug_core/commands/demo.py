"""``antidrug demo``: a synthetic county, end to end, in under a minute.

With no arguments it makes a folder ``antidrug-demo`` holding an embedded
SQLite store, fills it with a deterministic synthetic county (about 20
townships, 2,000 people, the year 2025 of realistic records), computes the
indicator catalogue, writes the half-year work summary as Markdown, HTML and
Word with charts, and prints the rates by township, showing progress as it
goes. Nothing about real people is involved: the people are made up and
carry pseudonymous ids only.
"""

from __future__ import annotations

import argparse
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from antidrug_core.bootstrap import open_store
from antidrug_core.commands.common import local_actor, progress, write_file
from antidrug_core.indicators.catalogue import indicator_definitions
from antidrug_core.indicators.evaluate import evaluate_in_store
from antidrug_core.indicators.period import Period
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult
from antidrug_core.model import (
    DivisionTree,
    InvalidInput,
    Permission,
    Record,
    RecordId,
    SubjectKind,
    level_of,
)
from antidrug_core.ports import BulkRecorder, StreamAppend
from antidrug_core.reports import make_report, percent_text, report_renderers
from antidrug_core.state import build_file
from antidrug_core.store import Store, new_stream
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records, townships
from antidrug_core.synthetic_organisations import EMERGENCY, FORESTRY, organisation_records
from antidrug_core.synthetic_units import unit_records
from antidrug_core.validation import reference_problems

__all__ = ["TABLE_RATES", "load_synthetic", "rates_by_township", "register"]

TABLE_RATES = (
    "face_check_rate",
    "risk_assessment_rate",
    "tiered_control_rate",
    "care_rate",
    "urine_test_rate",
    "app_install_rate",
    "app_login_rate",
)
"""The rates the demo prints by township."""

FORMATS = ("md", "html", "docx")


def register(subparsers: Any) -> None:
    """Add ``demo`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="make a synthetic county, compute its rates and write its work summary (md, html, docx)",
        description="Build a deterministic synthetic county in an embedded store, compute the indicator "
        "catalogue, write the work summary as Markdown, HTML and Word, and print the rates by township.",
    )
    parser.add_argument(
        "--dir", default="antidrug-demo", help="the folder to work in (default antidrug-demo)"
    )
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="store URL (default: a new SQLite file in --dir; memory:// works)",
    )
    parser.add_argument("--people", type=int, default=2_000, help="how many people (default 2000)")
    parser.add_argument("--townships", type=int, default=20, help="how many townships (default 20)")
    parser.add_argument(
        "--seed", type=int, default=2025, help="the seed (default 2025; same seed, same county)"
    )
    parser.add_argument(
        "--period", default="2025H2", help="the period of the summary, within 2025 (default 2025H2)"
    )
    parser.add_argument("--template", default="half_year", help="the template (default half_year)")
    parser.set_defaults(run=run)


def _streams(spec: SyntheticSpec) -> Iterator[list[Record]]:
    """Every synthetic stream: the people, the organisations with their work logs, the units with ledgers."""
    yield from person_records(spec)
    yield from organisation_records(spec)
    yield from unit_records(spec)


def _appends(spec: SyntheticSpec, store: Store) -> Iterator[StreamAppend]:
    """Each synthetic person and organisation as a new stream, checked as a unit of work would."""
    codes = {d.code for d in divisions(spec)}
    for person in _streams(spec):
        history: dict[RecordId, Record] = {}
        for record in person:
            file = build_file(record.subject_kind, record.subject, history.values())
            problems = reference_problems(record, history, file, known_divisions=codes)
            if problems:
                raise InvalidInput(problems)
            history[record.id] = record
        yield new_stream(person[0].subject, person, store.policy)


def load_synthetic(
    store: Store, spec: SyntheticSpec, *, report: Callable[[int, int], None] | None = None
) -> int:
    """Write the spec's divisions, people and records into an empty store, all or nothing.

    Stores that load in bulk (``BulkRecorder``) get set-based inserts in one
    transaction, every record checked first against its person file; others
    take one unit of work. Returns the number of records written.

    Raises:
        InvalidInput: the store already holds people, or a record breaks a rule.
    """
    actor = local_actor()
    with store.unit_of_work(actor) as uow:
        uow.require(Permission.MANAGE)
        if next(iter(uow.counted_files(SubjectKind.PERSON)), None) is not None:  # sealed ones too
            raise InvalidInput.of("--db", f"{store.url} already holds people; the demo needs an empty store")
    recorder = store.recorder
    if isinstance(recorder, BulkRecorder):
        return recorder.bulk_append(_appends(spec, store), divisions=divisions(spec), progress=report)
    written = 0
    with store.unit_of_work(actor) as uow:
        uow.add_divisions(divisions(spec))
        for index, person in enumerate(_streams(spec), 1):
            for record in person:
                uow.add_record(record, live=False)
            written += len(person)
            if report is not None and index % 500 == 0:
                report(index, written)
        uow.commit()
    if report is not None:
        report(spec.people, written)
    return written


def rates_by_township(store: Store, period: Period, county: str) -> list[IndicatorResult]:
    """The demo's table: ``TABLE_RATES`` for the county and each township below it."""
    with store.unit_of_work(local_actor()) as uow:
        tree = DivisionTree(uow.divisions())
        below = tuple(code for code in tree.children(county) if level_of(code) == "township")
        request = EvaluationRequest(period=period, indicators=TABLE_RATES, divisions=(county, *below))
        return evaluate_in_store(uow, request)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


def table_text(
    results: Sequence[IndicatorResult], tree: DivisionTree, county: str, names: dict[str, str]
) -> str:
    """The rates by township as an aligned text table, the county last."""
    by = {(r.division, r.indicator): r for r in results}
    codes = [*sorted({r.division for r in results if r.division != county}), county]
    header = ["区划", "代码", *(names[i] for i in TABLE_RATES)]
    rows = [
        [tree.name(code) + ("（合计）" if code == county else ""), code]
        + [percent_text(by[(code, i)].value) for i in TABLE_RATES]
        for code in codes
    ]
    widths = [max(_width(row[c]) for row in [header, *rows]) for c in range(len(header))]
    lines = [
        "  ".join(_pad(cell, widths[c], right=c >= 2) for c, cell in enumerate(row))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


SEED_FORMATS = ("md", "docx")
"""The formats of the four summaries of the seeds the demo writes besides the main one."""


def seed_summaries(spec: SyntheticSpec, period: str) -> list[tuple[str, str, str, str | None]]:
    """(template, period, division, organisation) of each kind of summary in the seeds, for the demo county.

    The street office's annual summary for the first street (街道), the township's
    half-year summary for the first township that is not one, and the forestry and
    emergency-management bureaus' annual summaries of their own work.
    """
    codes = townships(spec)
    street = next((code for code in codes if code[6] == "0"), codes[0])
    township = next((code for code in codes if code[6] != "0"), codes[0])
    year = str(spec.end.year)
    return [
        ("street_annual", year, street, None),
        ("township_half_year", period, township, None),
        ("forestry_annual", year, spec.county, FORESTRY),
        ("emergency_annual", year, spec.county, EMERGENCY),
    ]


def write_seed_summaries(store: Store, spec: SyntheticSpec, period: str, folder: Path) -> list[Path]:
    """Write one summary of each kind in the seeds (``seed_summaries``), as Markdown and Word."""
    renderers = report_renderers(store.plugins)
    written: list[Path] = []
    for template, when, division, organisation in seed_summaries(spec, period):
        with store.unit_of_work(local_actor()) as uow:
            made = make_report(
                uow,
                template,
                Period.parse(when),
                division,
                organisation=organisation,
                source=f"--db {store.url}",
            )
        for format in SEED_FORMATS:
            if format in renderers:
                path = folder / f"{template}-{when}{renderers.get(format).extension}"
                write_file(path, renderers.get(format).render(made))
                written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    spec = SyntheticSpec.demo(seed=args.seed, people=args.people, townships=args.townships)
    period = Period.parse(args.period)
    if not (spec.start <= period.start and period.end <= spec.end):
        raise InvalidInput.of(
            "--period", f"{period} is not within the synthetic year {spec.start}/{spec.end}"
        )
    url = args.db
    if url is None:
        database = folder / "antidrug.db"
        for stale in (database, folder / "antidrug.db-wal", folder / "antidrug.db-shm"):
            stale.unlink(
                missing_ok=True
            )  # the demo starts from nothing, so the same seed gives the same county
        url = f"sqlite:///{database}"

    def step(number: int, text: str) -> None:
        progress(f"[{number}/5 {time.perf_counter() - started:5.1f}s] {text}")

    with open_store(url) as store:
        step(
            1,
            f"生成合成县（{spec.townships}个乡镇街道，{spec.people}人，{spec.start.year}年全年记录）"
            f"并写入 {store.url}",
        )

        def loaded(people: int, records: int) -> None:
            progress(f"        … {people}/{spec.people} 人，{records} 条记录")

        records = load_synthetic(store, spec, report=loaded)
        step(2, f"已写入 {spec.people} 人、{records} 条记录；计算指标并生成{args.template}报告（{period}）")
        with store.unit_of_work(local_actor()) as uow:
            report = make_report(uow, args.template, period, spec.county, source=f"--db {store.url}")
            tree = DivisionTree(uow.divisions())
        renderers = report_renderers(store.plugins)
        step(3, f"写出 {'、'.join(f for f in FORMATS if f in renderers)}（含图表）")
        written: list[Path] = []
        for format in FORMATS:
            if format not in renderers:
                progress(
                    f"        {format}: no renderer installed "
                    "(python-docx, matplotlib and jinja2 come with pip install antidrug-core)"
                )
                continue
            path = folder / f"summary-{args.period}{renderers.get(format).extension}"
            write_file(path, renderers.get(format).render(report))
            written.append(path)
        step(4, "生成街道、乡镇、林业局、应急管理局四类工作总结（md、docx）")
        written += write_seed_summaries(store, spec, args.period, folder)
        step(5, "按乡镇街道计算比率")
        names = {d.id: d.name_zh for d in indicator_definitions(store.plugins)}
        table = table_text(rates_by_township(store, period, spec.county), tree, spec.county, names)
    print(f"{report.title}\n")
    print(table)
    print()
    for path in written:
        print(f"wrote {path}")
    print(f"store: {url}  (try: antidrug rates --db {url} --period {args.period} --format table)")
    progress(f"done in {time.perf_counter() - started:.1f}s")
    return 0
