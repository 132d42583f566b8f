"""The Markdown renderer: pure string building, so it lives in the core and always works."""

from __future__ import annotations

from collections.abc import Sequence

from antidrug_core.reports.appendix import (
    APPENDIX_ATTACHED,
    APPENDIX_HEADING,
    APPENDIX_INTRO,
    appendix_heading,
    appendix_lines,
    citations,
    cited_entries,
    report_facts,
)
from antidrug_core.reports.formatting import chart_value_text
from antidrug_core.reports.model import (
    Chart,
    Figure,
    NamedList,
    Paragraph,
    Report,
    ReportPart,
    Table,
    fill_marker,
)

__all__ = ["MarkdownRenderer", "render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(_cell(h) for h in header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _paragraph(paragraph: Paragraph, numbers: dict[tuple[str, str], int]) -> str:
    out: list[str] = []
    for part in paragraph.parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Figure):
            out.append(part.text)
        else:
            out.append(f"**{fill_marker(part)}**")
    cited = cited_entries(numbers, paragraph)
    if cited is not None:
        out.append(f"<sup>{cited}</sup>")
    return "".join(out)


def _chart(chart: Chart, numbers: dict[tuple[str, str], int] | None = None) -> list[str]:
    """A chart's data as a table: Markdown shows no pictures, but loses no number."""
    header = ["", *(series.label for series in chart.series)]
    rows = [
        [category, *(chart_value_text(chart.unit, series.values[index]) for series in chart.series)]
        for index, category in enumerate(chart.categories)
    ]
    cited = cited_entries(numbers or {}, chart)
    lines = [f"**图：{chart.title}**" + (f"<sup>{cited}</sup>" if cited else ""), "", *_table(header, rows)]
    if chart.note:
        lines += ["", chart.note]
    return lines


def render_markdown(report: Report) -> str:
    """The report as Markdown text: the body, the appendix, or both, as ``report.part`` says."""
    lines = [f"# {report.title}", ""]
    lines += [f"> {'；'.join(f'{label}：{text}' for label, text in report_facts(report))}", ""]
    if report.part is not ReportPart.APPENDIX:
        lines += _body(report)
    if report.appendix and report.part is not ReportPart.BODY:
        lines += [f"## {APPENDIX_HEADING}", "", APPENDIX_INTRO, ""]
        for entry in report.appendix:
            lines += [f"### {appendix_heading(entry)}", ""]
            lines += [f"- {label}：{_code(label, text)}" for label, text in appendix_lines(entry)]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _body(report: Report) -> list[str]:
    numbers = citations(report)
    lines: list[str] = []
    for note in report.notes:
        lines += [f"> 说明：{note}", ""]
    for section in report.sections:
        if section.heading:
            lines += [f"## {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [_paragraph(block, numbers), ""]
            elif isinstance(block, Chart):
                lines += [*_chart(block, numbers), ""]
            elif isinstance(block, Table):
                lines += [f"**表：{block.title}**", "", *_table(block.header, block.rows), ""]
            elif isinstance(block, NamedList):
                lines += [f"**{block.title}**（共{len(block.entries)}人，已脱敏）", ""]
                lines += [f"{n}. {entry}" for n, entry in enumerate(block.entries, 1)] or ["（无）"]
                lines.append("")
    if report.part is ReportPart.BODY:
        lines += [APPENDIX_ATTACHED, ""]
    return lines


def _code(label: str, text: str) -> str:
    if label == "复核命令":
        return "；".join(f"`{command}`" for command in text.split("；"))
    return text


class MarkdownRenderer:
    """``--format md``: the report as Markdown (UTF-8)."""

    format = "md"
    extension = ".md"
    media_type = "text/markdown; charset=utf-8"

    def render(self, report: Report) -> bytes:
        return render_markdown(report).encode("utf-8")
