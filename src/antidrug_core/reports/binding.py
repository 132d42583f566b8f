"""Binding a template to indicator results: every placeholder becomes text with its provenance.

``bind_report`` is pure: it takes the results (of the period, and of the
previous one for changes), the definitions, the division tree and any named
lists already masked, and returns a ``Report``. Where the results come from
(a store, a dataset) is the caller's business (``reports.service``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from antidrug_core.indicators.canonical import definition_to_data
from antidrug_core.indicators.definitions import Basis, IndicatorDefinition, Unit
from antidrug_core.indicators.numbers import FLAG_TEXT
from antidrug_core.indicators.period import Period
from antidrug_core.indicators.results import IndicatorResult
from antidrug_core.model import DivisionCode, DivisionTree, InvalidInput, Problem
from antidrug_core.reports.formatting import (
    Approximation,
    amount_text,
    change_text,
    count_text,
    date_text,
    next_period,
    percent_text,
    period_text,
)
from antidrug_core.reports.model import (
    AppendixEntry,
    Block,
    Chart,
    Figure,
    Fill,
    NamedList,
    Paragraph,
    Part,
    Report,
    Section,
    Series,
    Source,
    Table,
)
from antidrug_core.reports.templates import (
    COUNT_UNITS,
    FIELDS,
    ChartKind,
    ChartTemplate,
    FigureSlot,
    FillSlot,
    NamedListTemplate,
    ParagraphTemplate,
    ReportTemplate,
    Slot,
    TableTemplate,
    VariableSlot,
    check_template,
    parse,
    parts_of,
)

__all__ = ["ReportData", "bind_report", "describe_definition"]

PERCENT_RULE = (
    "精确值×100，保留两位小数，四舍五入；整数不写小数（100%）；不足全部不写100%（写99.99%），"
    "不为零不写0%（写0.01%）"
)
_POPULATION_NAMES = {
    "initial": "初始人群",
    "denominator": "分母",
    "denominator_exclusion": "分母排除",
    "numerator": "分子",
    "denominator_exception": "分母例外",
    "numerator_exclusion": "分子排除",
}


@attrs.frozen(kw_only=True)
class ReportData:
    """Everything a template is bound to."""

    division: DivisionCode
    """The division the report is for."""
    period: Period
    known_at: dt.datetime | None = None
    tree: DivisionTree
    """Known divisions, for names and the divisions directly below."""
    definitions: Mapping[str, IndicatorDefinition]
    """The definitions in force, by id."""
    results: Sequence[IndicatorResult]
    """Results of the period: for the division, and for those below it that charts and tables show."""
    previous: Sequence[IndicatorResult] | None = None
    """Results of the previous period, or None when it holds no records (no change is said)."""
    named_lists: Mapping[tuple[str, str], tuple[str, ...]] | None = None
    """Masked entries by (indicator, population), only when a caller allowed to see them asked."""
    source: str = "--db URL"
    """How the appendix's commands name the data (``--db sqlite:///antidrug.db``)."""
    notes: tuple[str, ...] = ()
    organisation: str | None = None
    """The one organisation whose records the organisation figures keep (``--organisation``), if any."""


def _variables(data: ReportData) -> dict[str, str]:
    return {
        "division": data.tree.name(data.division),
        "period": period_text(data.period),
        "start": date_text(data.period.start),
        "end": date_text(data.period.end),
        "year": f"{data.period.end.year}",
        "next": period_text(next_period(data.period)),
        "previous": period_text(data.period.previous()),
    }


class _Binder:
    def __init__(self, template: ReportTemplate, data: ReportData) -> None:
        self.template = template
        self.data = data
        self.variables = _variables(data)
        self.current = {(r.indicator, r.division): r for r in data.results}
        self.previous = {(r.indicator, r.division): r for r in data.previous or ()}
        self.figures: dict[str, Figure] = {}

    def result(self, indicator: str, division: DivisionCode | None = None) -> IndicatorResult:
        code = division or self.data.division
        found = self.current.get((indicator, code))
        if found is None:
            raise InvalidInput(
                Problem(
                    "results",
                    f"no result of {indicator!r} for division {code} in {self.data.period}",
                    self.template.name,
                )
            )
        return found

    def source(self, result: IndicatorResult) -> Source:
        return Source(
            result=result,
            name=self.data.definitions[result.indicator].name_zh,
            division_name=self.data.tree.name(result.division),
        )

    # --- figures ---------------------------------------------------------------------------

    def figure(self, slot: FigureSlot) -> Figure:
        key = f"{slot.key}|{slot.unit}|{slot.approximation}"
        made = self.figures.get(key)
        if made is None:
            made = self._figure(slot)
            self.figures[key] = made
        return made

    def _figure(self, slot: FigureSlot) -> Figure:
        definition = self.data.definitions[slot.indicator]
        result = self.result(slot.indicator)
        source = self.source(result)
        if definition.unit in (Unit.SUM, Unit.FLAG) or (
            definition.distinct is not None and slot.field in (None, "numerator")
        ):
            return self._whole(slot, definition, result, source)
        rate = definition.unit is not Unit.COUNT
        field = slot.field or ("value" if rate else "numerator")
        unit = slot.unit or ("人次" if definition.basis is Basis.EVENT else "人")
        plain = field == "value" or (not rate and field == "numerator")
        label = definition.name_zh if plain else f"{definition.name_zh}·{FIELDS[field]}"
        if field == "change":
            return self._change(slot, definition, result, source, rate, unit, label)
        if field == "value":
            return Figure(
                key=slot.key,
                label=label,
                text=percent_text(result.value),
                number=result.value,
                rule=f"比率：{PERCENT_RULE}"
                if result.value is not None
                else f"无值：{result.reason or '分母为0'}",
                sources=(source,),
            )
        count = {
            "numerator": result.net_numerator,
            "denominator": result.net_denominator,
            "shortfall": result.net_denominator - result.net_numerator,
            "initial_population": result.initial_population,
        }[field]
        how = {
            "numerator": "分子净数 N−NX",
            "denominator": "分母净数 D−DX−DE",
            "shortfall": "分母净数减分子净数 (D−DX−DE)−(N−NX)",
            "initial_population": "初始人群 IP",
        }[field]
        approximation = (
            "" if slot.approximation.value == "exact" else f"，按“{slot.approximation.value}”的规则约写"
        )
        return Figure(
            key=slot.key,
            label=label,
            text=count_text(count, unit, slot.approximation),
            number=Fraction(count),
            rule=f"计数：{how}，单位“{unit}”{approximation}",
            sources=(source,),
        )

    def _whole(
        self, slot: FigureSlot, definition: IndicatorDefinition, result: IndicatorResult, source: Source
    ) -> Figure:
        """A sum (场次, 亩, 元), a count of distinct values (六进, 义工) or a flag (零种植): its value."""
        label = definition.name_zh
        if definition.unit is Unit.FLAG:
            said = FLAG_TEXT[bool(result.value)]
            return Figure(
                key=slot.key,
                label=label,
                text=said,
                number=result.value,
                rule=f"是否：按定义的“{definition.flag}”规则，本区划及以下各级合并判断",
                sources=(source,),
            )
        value = result.value if result.value is not None else Fraction(0)
        unit = slot.unit or ""
        approximation = (
            "" if slot.approximation.value == "exact" else f"，按“{slot.approximation.value}”的规则约写"
        )
        whole = value.denominator == 1
        text = count_text(int(value), unit, slot.approximation) if whole else f"{amount_text(value)}{unit}"
        what = (
            "不同取值的个数"
            if definition.distinct is not None
            else f"各项“{definition.sum_of}”之和（精确值）"
        )
        return Figure(
            key=slot.key,
            label=label,
            text=text,
            number=value,
            rule=f"{what}，单位“{unit}”{approximation if whole else ''}",
            sources=(source,),
        )

    def _change(
        self,
        slot: FigureSlot,
        definition: IndicatorDefinition,
        result: IndicatorResult,
        source: Source,
        rate: bool,
        unit: str,
        label: str,
    ) -> Figure:
        before = self.previous.get((slot.indicator, self.data.division))
        if before is None:
            return Figure(
                key=slot.key,
                label=label,
                text="（上期无记录，不作比较）",
                number=None,
                rule="上一期没有任何记录，不作比较",
                sources=(source,),
            )
        sources = (self.source(before), source)
        if rate:
            if result.value is None or before.value is None:
                return Figure(
                    key=slot.key,
                    label=label,
                    text="（无可比数据）",
                    number=None,
                    rule="本期或上期无值（分母为0），不作比较",
                    sources=sources,
                )
            difference = result.value - before.value
            return Figure(
                key=slot.key,
                label=label,
                text=change_text(result.value, before.value, unit=None),
                number=difference,
                rule="本期比率减上期比率，以百分点计，保留两位小数，四舍五入",
                sources=sources,
            )
        return Figure(
            key=slot.key,
            label=label,
            text=change_text(result.net_numerator, before.net_numerator, unit=unit),
            number=Fraction(result.net_numerator - before.net_numerator),
            rule=f"本期计数减上期计数，单位“{unit}”",
            sources=sources,
        )

    def holds(self, when: str) -> bool:
        indicator, _, field = when.partition(".")
        definition = self.data.definitions[indicator]
        result = self.result(indicator)
        if field in ("", "value") and definition.unit is Unit.FLAG:
            return bool(result.value)
        if field in ("", "value", "numerator") and (
            definition.unit is Unit.SUM or definition.distinct is not None
        ):
            return result.value is not None and result.value > 0
        if field in ("", "value") and definition.unit is not Unit.COUNT:
            return result.value is not None
        count = {
            "": result.net_numerator,
            "numerator": result.net_numerator,
            "denominator": result.net_denominator,
            "shortfall": result.net_denominator - result.net_numerator,
            "initial_population": result.initial_population,
            "change": 1 if self.previous.get((indicator, self.data.division)) else 0,
        }[field]
        return count > 0

    # --- text ------------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """A text with variables only (titles, headings)."""
        return "".join(
            piece
            if isinstance(piece, str)
            else self.variables[piece.name]
            if isinstance(piece, VariableSlot)
            else ""
            for piece in parse(text)[0]
        )

    def _counted(self, slot: FigureSlot) -> bool:
        """Whether ``slot`` prints a count with its unit (not a rate or a change of one)."""
        definition = self.data.definitions[slot.indicator]
        if slot.field in (None, "value", "change"):
            return definition.unit is Unit.COUNT and slot.field != "value"
        return True

    def _units_once(self, pieces: Sequence[Slot]) -> list[Slot]:
        """A unit the template wrote after a count's braces becomes the count's own unit, and is
        taken out of the text after it: ``{x.denominator}人`` prints ``1112人``, not ``1112人人``."""
        out = list(pieces)
        for index, piece in enumerate(out[:-1]):
            after = out[index + 1]
            if not (isinstance(piece, FigureSlot) and piece.unit is None and isinstance(after, str)):
                continue
            unit = next((u for u in COUNT_UNITS if after.startswith(u)), None)
            if unit is not None and self._counted(piece):
                out[index] = attrs.evolve(piece, unit=unit)
                out[index + 1] = after[len(unit) :]
        return out

    def paragraph(self, text: str) -> Paragraph:
        parts: list[Part] = []
        for piece in self._units_once(parse(text)[0]):
            if isinstance(piece, str):
                parts.append(piece)
            elif isinstance(piece, VariableSlot):
                parts.append(self.variables[piece.name])
            elif isinstance(piece, FillSlot):
                parts.append(Fill(piece.key, piece.label))
            else:
                parts.append(self.figure(piece))
        merged: list[Part] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        return Paragraph(tuple(merged))

    # --- charts, tables, lists -------------------------------------------------------------

    def rows(self, indicators: Sequence[str]) -> list[DivisionCode]:
        """The divisions directly below the report's that have results, else the division itself."""
        below = [
            code
            for code in self.data.tree.children(self.data.division)
            if all((indicator, code) in self.current for indicator in indicators)
        ]
        return below or [self.data.division]

    def breakdown(self, block: ChartTemplate, title: str) -> Chart:
        """A bar for every part of each whole, each bar the part's figure (traced in the appendix)."""
        by = block.by or ""
        wholes = [parts_of(self.data.definitions.values(), whole, by) for whole in block.indicators]
        # The categories are the parts' values; a whole lacking one of them shows no value there.
        values: dict[str | None, str] = {}
        for parts in wholes:
            for part in parts:
                assert part.part_of is not None  # parts_of gives parts only
                values.setdefault(part.part_of.value, part.part_of.label)
        order = sorted(values, key=lambda value: value is None)
        series: list[Series] = []
        figures: list[Figure] = []
        for whole, parts in zip(block.indicators, wholes, strict=True):
            by_value = {part.part_of.value: part for part in parts if part.part_of is not None}
            bars: list[Fraction | None] = []
            for value in order:
                found = by_value.get(value)
                if found is None:
                    bars.append(None)
                    continue
                slot = FigureSlot(found.id, None, block.unit, Approximation.EXACT)
                made = self.figure(slot)
                figures.append(made)
                bars.append(made.number)
            series.append(Series(self.data.definitions[whole].name_zh, whole, tuple(bars)))
        return Chart(
            kind=block.kind.value,
            unit=block.unit,
            title=title,
            categories=tuple(values[value] for value in order),
            category_codes=tuple(value or f"no {by}" for value in order),
            series=tuple(series),
            note=block.note,
            figures=tuple(figures),
        )

    def chart(self, block: ChartTemplate) -> Chart:
        names = [self.data.definitions[i].name_zh for i in block.indicators]
        title = self.text(block.title)
        if block.kind is ChartKind.BREAKDOWN:
            return self.breakdown(block, title)
        if block.kind is ChartKind.BY_DIVISION:
            codes = self.rows(block.indicators)
            return Chart(
                kind=block.kind.value,
                unit=block.unit,
                title=title,
                categories=tuple(self.data.tree.name(code) for code in codes),
                category_codes=tuple(codes),
                series=tuple(
                    Series(name, indicator, tuple(self.result(indicator, code).value for code in codes))
                    for indicator, name in zip(block.indicators, names, strict=True)
                ),
            )
        current = Series(
            period_text(self.data.period),
            str(self.data.period),
            tuple(self.result(i).value for i in block.indicators),
        )
        if self.data.previous is None:
            return Chart(
                kind=block.kind.value,
                title=title,
                categories=tuple(names),
                category_codes=block.indicators,
                series=(current,),
                note="上一期没有任何记录，不作比较。",
            )
        before = Series(
            period_text(self.data.period.previous()),
            str(self.data.period.previous()),
            tuple(
                found.value if (found := self.previous.get((i, self.data.division))) else None
                for i in block.indicators
            ),
        )
        return Chart(
            kind=block.kind.value,
            title=title,
            categories=tuple(names),
            category_codes=block.indicators,
            series=(before, current),
        )

    def table(self, block: TableTemplate) -> Table:
        codes = self.rows(block.indicators)
        if codes != [self.data.division]:
            codes.append(self.data.division)
        rows = []
        for code in codes:
            name = self.data.tree.name(code)
            label = f"{name}（合计）" if code == self.data.division and len(codes) > 1 else name
            rows.append((label, *(percent_text(self.result(i, code).value) for i in block.indicators)))
        header = ("区划", *(self.data.definitions[i].name_zh for i in block.indicators))
        return Table(title=self.text(block.title), header=header, rows=tuple(rows))

    def named_list(self, block: NamedListTemplate) -> NamedList | None:
        if self.data.named_lists is None:
            return None
        entries = self.data.named_lists.get((block.indicator, block.population), ())
        return NamedList(title=self.text(block.title), entries=entries)

    # --- the whole -------------------------------------------------------------------------

    def report(self) -> Report:
        sections: list[Section] = []
        for section in self.template.sections:
            blocks: list[Block] = []
            for block in section.blocks:
                if isinstance(block, ParagraphTemplate):
                    if block.when is None or self.holds(block.when):
                        blocks.append(self.paragraph(block.text))
                    elif block.otherwise is not None:
                        blocks.append(self.paragraph(block.otherwise))
                elif isinstance(block, ChartTemplate):
                    blocks.append(self.chart(block))
                elif isinstance(block, TableTemplate):
                    blocks.append(self.table(block))
                else:
                    named = self.named_list(block)
                    if named is not None:
                        blocks.append(named)
            sections.append(Section(heading=self.text(section.heading), blocks=tuple(blocks)))
        report = Report(
            template=self.template.name,
            title=self.text(self.template.title),
            division=self.data.division,
            division_name=self.data.tree.name(self.data.division),
            period=self.data.period,
            known_at=self.data.known_at,
            sections=tuple(sections),
            appendix=(),
            notes=self.data.notes,
            template_name_zh=self.template.name_zh,
        )
        if not self.template.appendix:
            return report
        return attrs.evolve(report, appendix=self.appendix(report))

    def appendix(self, report: Report) -> tuple[AppendixEntry, ...]:
        entries: list[AppendixEntry] = []
        seen: set[tuple[str, str]] = set()
        for figure in report.figures():
            if (figure.key, figure.text) in seen:
                continue
            seen.add((figure.key, figure.text))
            definition = self.data.definitions[figure.sources[-1].result.indicator]
            entries.append(
                AppendixEntry(
                    number=len(entries) + 1,
                    figure=figure,
                    definition=describe_definition(definition),
                    command="；".join(self.command(source) for source in figure.sources),
                )
            )
        return tuple(entries)

    def command(self, source: Source) -> str:
        result = source.result
        known_at = f" --known-at {result.known_at.isoformat()}" if result.known_at else ""
        organisation = f" --organisation {self.data.organisation}" if self.data.organisation else ""
        return (
            f"antidrug rates {self.data.source} --period {result.period} --division {result.division}"
            f"{known_at}{organisation} --indicator {result.indicator} --explain {result.indicator}"
        )


def bind_report(template: ReportTemplate, data: ReportData) -> Report:
    """The report ``template`` makes of ``data``.

    Raises:
        InvalidInput: the template names a figure the definitions lack (naming
            the template and the figure), or a result it needs is missing.
    """
    check_template(template, data.definitions)
    return _Binder(template, data).report()


# --- definitions in words ---------------------------------------------------------------------

_WHEN = {"period": "期内", "by_period_end": "截至期末", "period_end": "期末", "from_period_end": "期末及以后"}


def _describe(data: object) -> str:
    if not isinstance(data, Mapping):
        return str(data)
    op = data.get("op")
    rest = {k: v for k, v in data.items() if k != "op"}
    if op == "status_in":
        return f"期末状态为 {'、'.join(rest.get('statuses', []))} 之一"
    if op == "has_record":
        where = rest.get("where") or {}
        condition = "".join(f"（{field} 为 {'、'.join(values)}）" for field, values in where.items())
        when = str(rest.get("when", ""))
        return f"{_WHEN.get(when, when)}有 {'、'.join(rest.get('types', []))} 记录{condition}"
    if op == "in_lost_contact":
        return "期内任一时间处于脱失" if rest.get("when") == "period" else "期末处于脱失"
    if op == "every_due_excused":
        return f"期内应做的{rest.get('kind') or ''}检测均已豁免（说明理由）"
    if op == "fulfilled_in_window":
        return "在应检日前后窗口期内完成检测"
    if op == "due_excused":
        return "该次应检已豁免"
    if op == "not":
        return f"不满足：{_describe(rest.get('criterion'))}"
    if op in ("all_of", "any_of"):
        joined = "；".join(_describe(c) for c in rest.get("criteria", []))
        return f"{'同时满足' if op == 'all_of' else '满足其一'}：{joined}"
    if op == "due_tests":
        return f"期内到期的{rest.get('kind') or ''}应检（每次一项）"
    if op == "records_in_period":
        where = rest.get("where") or {}
        condition = "".join(f"（{field} 为 {'、'.join(values)}）" for field, values in where.items())
        return f"期内的 {'、'.join(rest.get('types', []))} 记录（每条一项）{condition}"
    if op == "accepted_transfers":
        return f"期内接收的移交（{'转入' if rest.get('direction') == 'in' else '转出'}，每次一项）"
    if op in ("records", "in_scope", "subject_in", "item_field", "referenced_by", "followed_by"):
        return _describe_beyond_people(op, rest)
    if op == "counts_match":
        return "期内每次盘点的实物数量均与当日终了台账结存相符"
    arguments = ", ".join(f"{key}={value}" for key, value in rest.items())
    return f"{op}({arguments})"


_FLAG_WORDS = {
    "any": "N−NX 不为空时为“是”",
    "none": "N−NX 为空时为“是”",
    "all": "D−DX−DE 全部在 N−NX 中时为“是”",
}


def _describe_beyond_people(op: str, rest: Mapping[str, Any]) -> str:
    """The criteria and item source of figures about units and organisations, in words."""
    types = "、".join(rest.get("types", []))
    if op == "records":
        where = rest.get("where") or {}
        condition = "".join(f"（{field} 为 {'、'.join(values)}）" for field, values in where.items())
        when = str(rest.get("when", "period"))
        date = rest.get("date", "on")
        by_date = "" if date == "on" else f"（按 {date} 日期）"
        return f"{_WHEN.get(when, when)}的 {types} 记录{by_date}（每条一项）{condition}"
    if op == "in_scope":
        return "期末在册（单位在监管范围内，组织未撤销）"
    if op == "subject_in":
        return f"期末 {rest.get('field')} 为 {'、'.join(rest.get('values', []))} 之一"
    if op == "item_field":
        values = rest.get("values") or []
        dated = rest.get("when")
        text = f"该项的 {rest.get('field')} 有值"
        if values:
            text += f"且为 {'、'.join(values)} 之一"
        if dated:
            text += f"且在{_WHEN.get(str(dated), str(dated))}"
        return text
    if op == "referenced_by":
        by = rest.get("by")
        limit = f"该项的 {by} 日期前（含）" if by else "期末前（含）"
        return f"{limit}有 {types} 记录以 {rest.get('field')} 指向该项"
    same = "、".join(rest.get("same", []))
    return f"截至期末该项之后有 {types} 记录" + (f"（{same} 相同）" if same else "")


def describe_definition(definition: IndicatorDefinition) -> str:
    """The definition's populations in words, from its canonical data (what the digest is of)."""
    data = definition_to_data(definition)
    parts: list[str] = []
    if data.get("items") is not None:
        parts.append(f"计数对象：{_describe(data['items'])}")
    for field, name in _POPULATION_NAMES.items():
        if data.get(field) is not None:
            parts.append(f"{name}：{_describe(data[field])}")
    if definition.part_of is not None:
        part = definition.part_of
        which = f"为 {part.value}" if part.value is not None else "为空"
        parts.append(f"分项：{part.whole} 中 {part.by} {which}的部分（{part.label}）")
    if definition.distinct is not None:
        parts.append(f"数值：N−NX 中 {definition.distinct.field} 不同取值的个数")
    elif definition.unit is Unit.COUNT:
        parts.append("数值：初始人群中符合条件者的计数")
    elif definition.unit is Unit.SUM:
        parts.append(f"数值：N−NX 各项 {definition.sum_of} 之和")
    elif definition.unit is Unit.FLAG:
        parts.append(f"数值：{_FLAG_WORDS.get(str(definition.flag), str(definition.flag))}")
    else:
        parts.append("数值：(N−NX)/(D−DX−DE)")
    return "；".join(parts)
