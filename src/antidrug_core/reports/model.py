"""A work summary as data: sections of paragraphs whose figures carry their provenance.

A ``Report`` is what a template becomes once its figures are bound to
indicator results: plain text, figures (each with the text shown, the exact
number behind it, the rule that made the text, and the results it came
from), fields a person must fill, charts, tables and — only when asked for
by someone allowed to — masked named lists. Renderers (Markdown, HTML,
Word) read a ``Report`` and nothing else, so every format says the same
thing, and the appendix can list every figure with its definition.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from fractions import Fraction
from typing import TypeAlias

import attrs

from antidrug_core.indicators.period import Period
from antidrug_core.indicators.results import IndicatorResult
from antidrug_core.model import DivisionCode

__all__ = [
    "AppendixEntry",
    "Block",
    "Chart",
    "Figure",
    "Fill",
    "NamedList",
    "Paragraph",
    "Part",
    "Report",
    "ReportPart",
    "Section",
    "Series",
    "Source",
    "Table",
    "fill_marker",
]


@attrs.frozen(kw_only=True)
class Source:
    """One indicator result a figure was taken from, with the names a reader needs beside it.

    The result itself carries everything needed to compute the figure again
    (definition id, version and digest, period, division, ``known_at``,
    policy, view and every count); ``antidrug rates --explain`` shows the
    people behind it.
    """

    result: IndicatorResult
    name: str
    """The indicator's Chinese name (见面核查率)."""
    division_name: str
    """The division's name (某乡)."""


@attrs.frozen(kw_only=True)
class Figure:
    """A number in the text, bound to the results it came from."""

    key: str
    """What the template asked for: ``face_check_rate``, ``urine_test_rate.denominator`` …"""
    label: str
    """What the number is, in words (见面核查率, 应做尿检人数 …)."""
    text: str
    """What the report shows (``95.39%``, ``12人``, ``逾万人次``)."""
    number: Fraction | None
    """The exact number behind ``text``, or None when there is none."""
    rule: str
    """How ``text`` was made from ``number``, for the appendix."""
    sources: tuple[Source, ...]
    """The results used: one, or the current and the previous period for a change."""


@attrs.frozen
class Fill:
    """A place a person must write (problems, plans): shown as such, never invented."""

    key: str
    label: str
    """What to write there (工作中存在的问题)."""


Part: TypeAlias = str | Figure | Fill
"""A piece of a paragraph: plain text, a figure, or a field to fill."""


@attrs.frozen
class Paragraph:
    """Text with figures and fields to fill in it."""

    parts: tuple[Part, ...]

    @property
    def plain(self) -> str:
        """The paragraph as plain text, fields to fill shown as 【待填写：…】."""
        return "".join(
            part if isinstance(part, str) else part.text if isinstance(part, Figure) else fill_marker(part)
            for part in self.parts
        )


def fill_marker(fill: Fill) -> str:
    """How an unfilled field reads in every format, so that no one mistakes it for text."""
    return f"【待填写：{fill.label}】"


@attrs.frozen
class Series:
    """One set of bars in a chart (an indicator, or a period), by category."""

    label: str
    """What it is, in Chinese (见面核查率, 2025年上半年)."""
    code: str
    """The same in plain ASCII (an indicator id, a period): the label when no Chinese font is at hand."""
    values: tuple[Fraction | None, ...]


@attrs.frozen(kw_only=True)
class Chart:
    """Data for a chart; the renderer draws it (the data also read as a table)."""

    kind: str
    """``by_division`` (rates by division), ``change`` (this period against the previous) or
    ``breakdown`` (a figure's parts: activities by key date)."""
    title: str
    categories: tuple[str, ...]
    """What the bars stand for, in Chinese (division or indicator names)."""
    category_codes: tuple[str, ...]
    """The same, as codes (division codes, indicator ids): labels when no Chinese font is at hand."""
    series: tuple[Series, ...]
    note: str | None = None
    """Said under the chart (e.g. why the previous period is missing)."""
    unit: str | None = None
    """None for a chart of rates (percentages); else the unit of its counts or amounts (场次, 亩)."""
    figures: tuple[Figure, ...] = ()
    """For a breakdown: every bar as a figure, series by series, each traced in the appendix."""


@attrs.frozen(kw_only=True)
class Table:
    """A table of already-written figures (rates by division)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@attrs.frozen(kw_only=True)
class NamedList:
    """People of one population, masked (张* 110105********1234); only on request, by a role allowed to."""

    title: str
    entries: tuple[str, ...]


Block: TypeAlias = Paragraph | Chart | Table | NamedList


@attrs.frozen(kw_only=True)
class Section:
    """A heading (一、加强动态管控 …) and what follows it."""

    heading: str
    blocks: tuple[Block, ...]


@attrs.frozen(kw_only=True)
class AppendixEntry:
    """One figure of the report, with its definition and how it was computed."""

    number: int
    """Its place in the appendix (1, 2 …)."""
    figure: Figure
    definition: str
    """The definition's populations in words."""
    command: str
    """The command that shows the same figure with its evidence."""


class ReportPart(enum.Enum):
    """Which part of a report one document holds (``antidrug report --appendix``).

    The appendix serves auditors and is most of a summary's pages; an office
    may hand in the body alone and keep the appendix as its own document.
    """

    WHOLE = "whole"
    """The body, then the appendix on pages of its own."""
    BODY = "body"
    """The body alone, its figures still citing the appendix's entries, which are a separate document."""
    APPENDIX = "appendix"
    """The appendix alone, under the report's title."""


@attrs.frozen(kw_only=True)
class Report:
    """A work summary, bound to data and ready to render."""

    template: str
    """The template's name."""
    title: str
    division: DivisionCode
    division_name: str
    period: Period
    known_at: dt.datetime | None
    sections: tuple[Section, ...]
    appendix: tuple[AppendixEntry, ...]
    notes: tuple[str, ...] = ()
    """Things a reader must know (e.g. charts labelled by code for want of a Chinese font)."""
    part: ReportPart = ReportPart.WHOLE
    """What a document of this report holds: see ``arrange_appendix``."""
    template_name_zh: str = ""
    """The template's Chinese name, shown to readers ("" when it has none: the name is shown)."""

    def figures(self) -> Iterator[Figure]:
        """Every figure in the text and every bar that is one (a breakdown's), in reading order."""
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    yield from (part for part in block.parts if isinstance(part, Figure))
                elif isinstance(block, Chart):
                    yield from block.figures

    def fills(self) -> Iterator[Fill]:
        """Every field left for a person to fill, in reading order."""
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    yield from (part for part in block.parts if isinstance(part, Fill))

    def charts(self) -> Iterator[Chart]:
        """Every chart, in reading order."""
        for section in self.sections:
            yield from (block for block in section.blocks if isinstance(block, Chart))
