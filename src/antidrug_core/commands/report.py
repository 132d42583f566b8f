"""``antidrug report``: a work summary as Markdown, HTML or Word, from a store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from antidrug_core.bootstrap import mask_url
from antidrug_core.commands.common import add_db_option, local_actor, open_cli_store, progress, write_file
from antidrug_core.commands.rates import parse_known_at
from antidrug_core.indicators.period import Period
from antidrug_core.model import InvalidInput
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.reports import (
    APPENDIX_PLACEMENTS,
    ReportTemplate,
    arrange_appendix,
    make_report,
    report_renderers,
    report_templates,
)
from antidrug_core.reports.places import fill_places, read_places, template_places

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``report`` to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write a work summary (Markdown, HTML or Word) for a division and period",
        description="Write a work summary whose every figure is computed from the store and explained "
        "in its appendix. Fields a person must write (problems, plans) are marked 【待填写】.",
    )
    add_db_option(parser)
    parser.add_argument("--period", help="2025H1, 2025Q3, 2025 or START/END (YYYY-MM-DD/YYYY-MM-DD)")
    parser.add_argument("--division", metavar="CODE", help="the division the summary is for")
    parser.add_argument(
        "--organisation",
        metavar="ID",
        default=None,
        help="keep only this organisation's records in the work-log figures (a bureau's own summary)",
    )
    parser.add_argument("--template", default="half_year", help="template name (default half_year)")
    parser.add_argument("--format", default=None, help="md, html or docx (default: the extension of -o)")
    parser.add_argument("-o", "--output", metavar="FILE", help="where to write the document")
    parser.add_argument(
        "--text",
        metavar="FILE",
        help="fill the places to write (problems, plans …) from a Markdown (## KEY) or YAML (KEY: text) file",
    )
    parser.add_argument(
        "--places", action="store_true", help="list the template's places to write (their keys) and stop"
    )
    parser.add_argument(
        "--known-at",
        metavar="T",
        default=None,
        help="use only records recorded by T (as for `antidrug rates`: ISO 8601, e.g. "
        "2023-07-05T12:00:00+08:00; without an offset, or a bare date, in the store's time zone)",
    )
    parser.add_argument(
        "--appendix",
        choices=APPENDIX_PLACEMENTS,
        default="inline",
        help="the appendix of figures (数据说明): after the summary (inline, the default), as a document "
        "of its own beside -o (separate: summary.docx and summary-appendix.docx), or none; the summary's "
        "figures cite its entries by number",
    )
    parser.add_argument(
        "--named-lists",
        action="store_true",
        help="include the template's named lists, masked (only for roles that may see identities)",
    )
    parser.set_defaults(run=run)


def _places_text(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput.of("--text", f"{path}: {error.strerror}") from None
    markdown = Path(path).suffix.lower() not in (".yaml", ".yml")
    return read_places(text, markdown=markdown, source=f"--text {path}")


def list_places(template: ReportTemplate) -> int:
    """Print each place to write of ``template``: its key, then what goes there."""
    for slot in template_places(template):
        print(f"{slot.key}\t{slot.label}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.places:
        return list_places(report_templates(make_plugin_manager()).get(args.template))
    missing = [f"--{name}" for name in ("period", "division", "output") if getattr(args, name) is None]
    if missing:
        raise InvalidInput.of(missing[0], "is required (unless --places)")
    texts = _places_text(args.text) if args.text else None
    output = Path(args.output)
    period = Period.parse(args.period)
    with open_cli_store(args, create=False) as store:
        known_at = parse_known_at(args.known_at, store.policy.time_zone)
        renderers = report_renderers(store.plugins)
        format = args.format or output.suffix.lstrip(".").lower()
        if format not in renderers:
            raise InvalidInput.of(
                "--format",
                f"{format or output.name!r} is not a report format (known: {', '.join(renderers.names())})",
            )
        template = report_templates(store.plugins).get(args.template)
        with store.unit_of_work(local_actor()) as uow:
            progress(f"computing {args.template} for {args.division}, {period} …")
            report = make_report(
                uow,
                args.template,
                period,
                args.division,
                known_at=known_at,
                named_lists=args.named_lists,
                source=f"--db {mask_url(args.db)}",
                organisation=args.organisation,
            )
        if texts is not None:
            report = fill_places(report, texts, template)
        renderer = renderers.get(format)
        body, appendix = arrange_appendix(report, args.appendix)
        # Both documents are rendered before either is written, so a failure leaves neither.
        documents = [(output, renderer.render(body))]
        if appendix is not None:
            documents.append((appendix_path(output), renderer.render(appendix)))
    for path, document in documents:
        write_file(path, document)
        print(f"{path}: {report.title} ({format}, {len(document)} bytes)")
    return 0


def appendix_path(output: Path) -> Path:
    """Where ``--appendix separate`` writes the appendix: ``summary.docx`` → ``summary-appendix.docx``."""
    return output.with_name(f"{output.stem}-appendix{output.suffix}")
