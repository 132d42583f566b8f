"""Report templates as data, their placeholders, and the registries plugins add to.

A template is sections of paragraphs written the way the summaries are
written, with placeholders in braces where a figure, a fact about the
report, or a field for a person goes::

    一是见面核查率{face_check_rate}，共核查{face_check_rate.numerator}。
    截至{end}，全{division}应做尿检{urine_test_rate.denominator}。
    共开展宣传活动{fill:campaigns 宣传活动场次}。

Placeholders:

* ``{ID}``: indicator ``ID`` as the summaries write it: a rate as
  ``91.67%``, a count with its unit (``12人``; ``人次`` for counts of items).
* ``{ID.FIELD}``: a part of the result: ``value``, ``numerator`` (N − NX),
  ``denominator`` (D − DX − DE), ``shortfall`` (denominator − numerator,
  e.g. 未做), ``initial_population``, or ``change`` (against the previous
  period: ``提高1.25个百分点``, ``增加3人``).
* A unit and an approximation may follow, separated by spaces:
  ``{transfers_in 人次}``, ``{reach 人次 逾}`` (``逾``, ``近`` or ``余``;
  see ``reports.formatting.approximate``). A count carries its unit, so
  do not write it again after the braces; where a template does
  (``{x.denominator}人``), the unit written there is taken as the
  figure's unit and printed once (``COUNT_UNITS``), never ``1112人人``.
* ``{fill:KEY LABEL}``: a field a person must fill (problems, plans,
  figures the library holds no records for). It is shown as
  ``【待填写：LABEL】``, never invented.
* ``{division}``, ``{period}``, ``{start}``, ``{end}``, ``{year}``,
  ``{next}``, ``{previous}``: the division's name and the period in words.

A template naming an indicator the catalogue lacks is refused with the
template's name and the indicator, before anything is computed or written.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias

import attrs

from antidrug_core.indicators.definitions import IndicatorDefinition, Unit
from antidrug_core.model import InvalidInput, Problem
from antidrug_core.registry import Registry
from antidrug_core.reports.formatting import Approximation
from antidrug_core.reports.model import Report

__all__ = [
    "COUNT_UNITS",
    "FIELDS",
    "POPULATIONS",
    "VARIABLES",
    "BlockTemplate",
    "ChartKind",
    "ChartTemplate",
    "FigureSlot",
    "FillSlot",
    "NamedListTemplate",
    "ParagraphTemplate",
    "Renderer",
    "ReportTemplate",
    "SectionTemplate",
    "Slot",
    "TableTemplate",
    "VariableSlot",
    "check_template",
    "parse",
    "parts_of",
    "referenced_indicators",
    "renderer_registry",
    "template_problems",
    "template_registry",
]

COUNT_UNITS: tuple[str, ...] = (
    "人次",
    "人",
    "名",
    "次",
    "份",
    "场",
    "个",
    "家",
    "户",
    "例",
    "起",
    "处",
    "件",
)
"""Units a template may write right after a count's braces, longest first; taken as the count's unit."""

FIELDS: Mapping[str, str] = {
    "value": "比率",
    "numerator": "分子（净）",
    "denominator": "分母（净）",
    "shortfall": "分母中未达分子的",
    "initial_population": "初始人群",
    "change": "较上期变化",
}
"""The parts of a result a placeholder may name, with how the appendix labels them."""

VARIABLES: Mapping[str, str] = {
    "division": "区划名称",
    "period": "报告期（如 2025年上半年）",
    "start": "报告期首日",
    "end": "报告期末日",
    "year": "报告期所在年份",
    "next": "下一期（如 2025年下半年）",
    "previous": "上一期",
}
"""Facts about the report a placeholder may name."""

POPULATIONS = (
    "initial_population",
    "denominator",
    "denominator_exclusion",
    "numerator",
    "denominator_exception",
    "numerator_exclusion",
)
"""The populations a named list may list."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_REFERENCE = re.compile(r"([a-z][a-z0-9_]*)(?:\.([a-z_]+))?")


@attrs.frozen
class FigureSlot:
    """``{ID.FIELD UNIT APPROX}``: a figure from an indicator result."""

    indicator: str
    field: str | None
    """None: the figure itself (a rate's value, a count's number)."""
    unit: str | None
    approximation: Approximation

    @property
    def key(self) -> str:
        return self.indicator if self.field is None else f"{self.indicator}.{self.field}"


@attrs.frozen
class FillSlot:
    """``{fill:KEY LABEL}``: a field for a person."""

    key: str
    label: str


@attrs.frozen
class VariableSlot:
    """``{division}`` and the other facts about the report."""

    name: str


Slot: TypeAlias = str | FigureSlot | FillSlot | VariableSlot


def parse(text: str) -> tuple[list[Slot], list[str]]:
    """The pieces of a template text, and what is wrong with its placeholders.

    Returns:
        The text split into literal strings and slots, and a reason for each
        placeholder that cannot be read.
    """
    pieces: list[Slot] = []
    problems: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            pieces.append(text[position : match.start()])
        position = match.end()
        body = match.group(1).strip()
        words = body.split()
        if not words:
            problems.append("an empty placeholder {}")
            continue
        head, rest = words[0], words[1:]
        if head.startswith("fill:"):
            key = head[len("fill:") :]
            if not key or not rest:
                problems.append(
                    f"{{{body}}}: a field to fill needs a key and a label ({{fill:plans 下一步工作计划}})"
                )
                continue
            pieces.append(FillSlot(key, " ".join(rest)))
            continue
        if head in VARIABLES and not rest:
            pieces.append(VariableSlot(head))
            continue
        reference = _REFERENCE.fullmatch(head)
        if reference is None:
            problems.append(f"{{{body}}}: {head!r} is not an indicator id, a variable or fill:KEY")
            continue
        indicator, field = reference.group(1), reference.group(2)
        if field is not None and field not in FIELDS:
            problems.append(f"{{{body}}}: {field!r} is not one of {', '.join(FIELDS)}")
            continue
        unit: str | None = None
        approximation = Approximation.EXACT
        for word in rest:
            if word in {a.value for a in Approximation if a is not Approximation.EXACT}:
                approximation = Approximation(word)
            elif unit is None:
                unit = word
            else:
                problems.append(f"{{{body}}}: say one unit, then optionally 逾, 近 or 余")
        pieces.append(FigureSlot(indicator, field, unit, approximation))
    if position < len(text):
        pieces.append(text[position:])
    for stray in ("{", "}"):
        if stray in "".join(piece for piece in pieces if isinstance(piece, str)):
            problems.append(f"an unmatched {stray!r}")
    return pieces, problems


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput.of("text", f"{value!r} is not text")
    return value


@attrs.frozen
class ParagraphTemplate:
    """A paragraph; when ``when`` names a figure that has no value (or counts nobody), ``otherwise``."""

    text: str = attrs.field(converter=_text)
    when: str | None = None
    """A figure key (``lost_contact_found_rate``) that must have a value, and for a count be above 0."""
    otherwise: str | None = None
    """Said instead when ``when`` does not hold; None leaves the paragraph out."""


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


class ChartKind(enum.StrEnum):
    """The charts a template can ask for."""

    BY_DIVISION = "by_division"
    """Rates of each division directly below the report's (or of the division itself)."""
    CHANGE = "change"
    """Rates of the period beside those of the previous period."""
    BREAKDOWN = "breakdown"
    """A count or sum of the division broken down into its parts (``PartOf``) by a field: a bar per
    part (activities by key date, by channel), each bar a figure traced in the appendix."""


@attrs.frozen
class ChartTemplate:
    """A chart of rates, or (with ``unit``) of counts or sums in that unit (activities, 亩 surveyed)."""

    kind: ChartKind = attrs.field(converter=ChartKind)
    indicators: tuple[str, ...] = attrs.field(converter=_names)
    title: str
    unit: str | None = None
    """None for a chart of rates; the unit of its counts or sums (场次, 亩) otherwise."""
    by: str | None = None
    """For a ``breakdown``: the field the figures are broken down by (``key_date``, ``channels``)."""
    note: str | None = None
    """Said under the chart (that the parts by channel need not add up to the whole)."""


@attrs.frozen
class TableTemplate:
    """A table of rates by division (each division directly below, then the whole)."""

    indicators: tuple[str, ...] = attrs.field(converter=_names)
    title: str


@attrs.frozen
class NamedListTemplate:
    """The people of one population, masked; only when a caller allowed to see identities asks.

    Otherwise the list is left out and the report says only how many.
    """

    indicator: str
    population: str
    title: str


BlockTemplate: TypeAlias = ParagraphTemplate | ChartTemplate | TableTemplate | NamedListTemplate


def _blocks(value: Iterable[BlockTemplate | str]) -> tuple[BlockTemplate, ...]:
    return tuple(ParagraphTemplate(item) if isinstance(item, str) else item for item in value)


@attrs.frozen
class SectionTemplate:
    """A heading and its blocks; plain strings are paragraphs."""

    heading: str
    blocks: tuple[BlockTemplate, ...] = attrs.field(converter=_blocks)


def _sections(value: Iterable[SectionTemplate]) -> tuple[SectionTemplate, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class ReportTemplate:
    """A whole work summary: its title and sections.

    Hosts register their own through ``antidrug_register_templates``, or
    replace one of the library's by registering another of the same name
    with ``replace=True``.
    """

    name: str
    """What ``antidrug report --template`` names it by."""
    title: str
    """The document's title; may use the variables (``{division}{period}禁毒工作总结``)."""
    description: str
    """What it is for, shown in listings."""
    sections: tuple[SectionTemplate, ...] = attrs.field(converter=_sections)
    appendix: bool = True
    """Whether the appendix of figures (definitions and how each was computed) follows."""
    name_zh: str = ""
    """Its Chinese name (半年工作总结), what a reader of the document is shown; "" shows ``name``."""


def referenced_indicators(
    template: ReportTemplate, definitions: Iterable[IndicatorDefinition] = ()
) -> list[str]:
    """Every indicator id the template uses, in order of first use.

    A breakdown chart uses its wholes and every part of them by its field
    among ``definitions`` (the definitions in force, a host's key dates too).
    """
    found: dict[str, None] = {}
    for texts, ids in _contents(template):
        for text in texts:
            for piece in parse(text)[0]:
                if isinstance(piece, FigureSlot):
                    found.setdefault(piece.indicator)
        for indicator in ids:
            found.setdefault(indicator)
    known = list(definitions)
    for section in template.sections:
        for block in section.blocks:
            if isinstance(block, ChartTemplate) and block.kind is ChartKind.BREAKDOWN:
                for whole in block.indicators:
                    for part in parts_of(known, whole, block.by or ""):
                        found.setdefault(part.id)
    return list(found)


def parts_of(definitions: Iterable[IndicatorDefinition], whole: str, by: str) -> list[IndicatorDefinition]:
    """The parts of ``whole`` by the field ``by``, in catalogue order, the part of no value last."""
    parts = [
        d for d in definitions if d.part_of is not None and d.part_of.whole == whole and d.part_of.by == by
    ]
    return sorted(parts, key=lambda d: d.part_of is not None and d.part_of.value is None)


def _contents(template: ReportTemplate) -> list[tuple[list[str], list[str]]]:
    """For each block: the texts it holds and the indicator ids it names directly."""
    contents: list[tuple[list[str], list[str]]] = [([template.title], [])]
    for section in template.sections:
        contents.append(([section.heading], []))
        for block in section.blocks:
            if isinstance(block, ParagraphTemplate):
                texts = [block.text, *([block.otherwise] if block.otherwise else [])]
                when = [block.when.split(".", 1)[0]] if block.when else []
                contents.append((texts, when))
            elif isinstance(block, ChartTemplate | TableTemplate):
                contents.append(([block.title], list(block.indicators)))
            else:
                contents.append(([block.title], [block.indicator]))
    return contents


def template_problems(
    template: ReportTemplate, definitions: Mapping[str, IndicatorDefinition]
) -> list[Problem]:
    """Everything wrong with ``template`` against the indicator definitions in force.

    Each problem's row is the template's name and its field the place in the
    template (``sections[2].blocks[1]``), so "the template names a figure the
    catalogue lacks" reads with both names.
    """
    problems: list[Problem] = []

    def check_text(where: str, text: str, *, figures: bool) -> None:
        pieces, reasons = parse(text)
        problems.extend(Problem(where, reason, template.name) for reason in reasons)
        for piece in pieces:
            if isinstance(piece, FigureSlot):
                if not figures:
                    problems.append(
                        Problem(where, f"{{{piece.key}}}: no figures here, only variables", template.name)
                    )
                else:
                    check_figure(where, piece)
            elif isinstance(piece, FillSlot) and not figures:
                problems.append(Problem(where, f"fill:{piece.key}: no fields to fill here", template.name))

    def known(where: str, indicator: str) -> IndicatorDefinition | None:
        definition = definitions.get(indicator)
        if definition is None:
            problems.append(
                Problem(
                    where,
                    f"template {template.name!r} names the figure {indicator!r}, which the indicator "
                    "catalogue lacks",
                    template.name,
                )
            )
        return definition

    def check_figure(where: str, slot: FigureSlot) -> None:
        definition = known(where, slot.indicator)
        if definition is None:
            return
        rate = definition.unit not in (Unit.COUNT, Unit.SUM)
        shows_rate = rate and slot.field in (None, "value", "change")
        if slot.field == "value" and not rate:
            problems.append(
                Problem(where, f"{{{slot.key}}}: {slot.indicator} is a count, it has no rate", template.name)
            )
        if shows_rate and (slot.unit is not None or slot.approximation is not Approximation.EXACT):
            problems.append(
                Problem(where, f"{{{slot.key}}}: a rate takes no unit or approximation", template.name)
            )

    def check_rates(where: str, indicators: Sequence[str], unit: str | None = None) -> None:
        if not indicators:
            problems.append(Problem(where, "names no indicator", template.name))
        for indicator in indicators:
            definition = known(where, indicator)
            if definition is None:
                continue
            counted = definition.unit in (Unit.COUNT, Unit.SUM)
            if unit is None and (counted or definition.unit is Unit.FLAG):
                problems.append(
                    Problem(where, f"{indicator} is a count; charts and tables show rates", template.name)
                )
            elif unit is not None and not counted:
                problems.append(
                    Problem(
                        where,
                        f"{indicator} is not a count or a sum; a chart in {unit} shows those",
                        template.name,
                    )
                )

    def check_breakdown(where: str, block: ChartTemplate) -> None:
        if (block.kind is ChartKind.BREAKDOWN) != (block.by is not None):
            problems.append(
                Problem(
                    f"{where}.by", "a breakdown, and only a breakdown, names the field (by)", template.name
                )
            )
            return
        if block.by is None:
            return
        if block.unit is None:
            problems.append(
                Problem(f"{where}.unit", "a breakdown shows counts or sums in a unit", template.name)
            )
        for whole in block.indicators:
            if whole in definitions and not parts_of(definitions.values(), whole, block.by):
                problems.append(
                    Problem(where, f"{whole} has no parts by {block.by!r} in the catalogue", template.name)
                )

    if not template.name or not re.fullmatch(r"[a-z][a-z0-9_\-]*", template.name):
        problems.append(
            Problem("name", f"{template.name!r} is not a name of lower-case letters, digits, - and _")
        )
    check_text("title", template.title, figures=False)
    for s, section in enumerate(template.sections):
        check_text(f"sections[{s}].heading", section.heading, figures=False)
        for b, block in enumerate(section.blocks):
            where = f"sections[{s}].blocks[{b}]"
            if isinstance(block, ParagraphTemplate):
                check_text(where, block.text, figures=True)
                if block.otherwise is not None:
                    check_text(f"{where}.otherwise", block.otherwise, figures=True)
                if block.when is not None:
                    reference = _REFERENCE.fullmatch(block.when)
                    if reference is None or (
                        reference.group(2) is not None and reference.group(2) not in FIELDS
                    ):
                        problems.append(
                            Problem(f"{where}.when", f"{block.when!r} is not a figure", template.name)
                        )
                    else:
                        known(f"{where}.when", reference.group(1))
            elif isinstance(block, ChartTemplate | TableTemplate):
                check_text(f"{where}.title", block.title, figures=False)
                check_rates(where, block.indicators, block.unit if isinstance(block, ChartTemplate) else None)
                if isinstance(block, ChartTemplate):
                    check_breakdown(where, block)
            else:
                check_text(f"{where}.title", block.title, figures=False)
                known(where, block.indicator)
                if block.population not in POPULATIONS:
                    problems.append(
                        Problem(
                            f"{where}.population", f"{block.population!r} is not a population", template.name
                        )
                    )
    return problems


def check_template(template: ReportTemplate, definitions: Mapping[str, IndicatorDefinition]) -> None:
    """Refuse ``template`` unless it is sound against ``definitions``.

    Raises:
        InvalidInput: every problem, each naming the template and the place in it.
    """
    problems = template_problems(template, definitions)
    if problems:
        raise InvalidInput(problems)


class Renderer(Protocol):
    """Turns a ``Report`` into a document of one format."""

    format: str
    """The name ``--format`` uses: ``md``, ``html``, ``docx``."""
    extension: str
    """The file extension, with its dot."""
    media_type: str

    def render(self, report: Report) -> bytes:
        """The whole document."""
        ...


def template_registry() -> Registry[ReportTemplate]:
    """An empty registry of templates by name (what ``antidrug_register_templates`` receives)."""
    return Registry("report template", lambda template: template.name)


def renderer_registry() -> Registry[Renderer]:
    """An empty registry of renderers by format (what ``antidrug_register_renderers`` receives)."""
    return Registry("report renderer", lambda renderer: renderer.format)
