"""The HTML renderer: one standalone file (styles and charts inside), with a print stylesheet."""

from __future__ import annotations

import base64
import functools
from typing import Any

import jinja2

from antidrug_core.reports import (
    Chart,
    Figure,
    NamedList,
    Paragraph,
    Report,
    ReportPart,
    Table,
    appendix_lines,
    chart_value_text,
    citations,
    cited_entries,
    fill_marker,
    report_facts,
)
from antidrug_core.reports.appendix import (
    APPENDIX_ATTACHED,
    APPENDIX_HEADING,
    APPENDIX_INTRO,
    appendix_heading,
)
from antidrug_reports.charts import CODE_LABEL_NOTE, chart_caption, draw_chart, find_cjk_font

__all__ = ["AUTO", "HtmlRenderer"]

AUTO = "auto"
"""Look for a Chinese font on the machine."""


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("antidrug_reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _part(part: str | Figure | Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"kind": "text", "text": part}
    if isinstance(part, Figure):
        return {
            "kind": "figure",
            "key": part.key,
            "text": part.text,
            "title": f"{part.label}：{part.rule}",
        }
    return {"kind": "fill", "key": part.key, "text": fill_marker(part)}


def _chart_rows(chart: Chart, by_code: bool) -> list[list[str]]:
    rows = []
    for index, category in enumerate(chart.categories):
        name = f"{chart.category_codes[index]} {category}" if by_code else category
        rows.append([name, *(chart_value_text(chart.unit, series.values[index]) for series in chart.series)])
    return rows


class HtmlRenderer:
    """``--format html``: a standalone HTML document (UTF-8) with embedded chart images."""

    format = "html"
    extension = ".html"
    media_type = "text/html; charset=utf-8"

    def __init__(self, font_path: str | None = AUTO) -> None:
        """``font_path``: a font with Chinese glyphs for charts, None to label by codes, or ``AUTO``."""
        self._font_path = font_path

    @property
    def font_path(self) -> str | None:
        return find_cjk_font() if self._font_path == AUTO else self._font_path

    def render(self, report: Report) -> bytes:
        font = self.font_path
        numbers = citations(report)
        charts = 0
        sections = []
        for section in report.sections if report.part is not ReportPart.APPENDIX else ():
            blocks: list[dict[str, Any]] = []
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    parts = [_part(p) for p in block.parts]
                    cited = cited_entries(numbers, block)
                    keys = [(p.key, p.text) for p in block.parts if isinstance(p, Figure)]
                    first = min((numbers[key] for key in keys if key in numbers), default=None)
                    blocks.append({"kind": "paragraph", "parts": parts, "cites": cited, "first": first})
                elif isinstance(block, Chart):
                    charts += 1
                    drawn = draw_chart(block, font)
                    blocks.append(
                        {
                            "kind": "chart",
                            "chart": block,
                            "cites": cited_entries(numbers, block),
                            "first": min(
                                (
                                    numbers[(f.key, f.text)]
                                    for f in block.figures
                                    if (f.key, f.text) in numbers
                                ),
                                default=None,
                            ),
                            "number": charts,
                            "parts": [
                                {
                                    "image": base64.b64encode(part.png).decode("ascii"),
                                    "width_mm": f"{part.width_mm:g}",
                                    "caption": chart_caption(block, charts, index),
                                }
                                for index, part in enumerate(drawn.parts)
                            ],
                            "by_code": drawn.by_code,
                            "rows": _chart_rows(block, drawn.by_code),
                        }
                    )
                elif isinstance(block, Table):
                    blocks.append({"kind": "table", "table": block})
                elif isinstance(block, NamedList):
                    blocks.append({"kind": "named", "named": block})
            sections.append({"heading": section.heading, "blocks": blocks})
        appendix = [
            {"number": entry.number, "heading": appendix_heading(entry), "lines": appendix_lines(entry)}
            for entry in report.appendix
        ]
        html = (
            _environment()
            .get_template("report.html.j2")
            .render(
                report=report,
                facts=report_facts(report),
                body=report.part is not ReportPart.APPENDIX,
                sections=sections,
                appendix=appendix if report.part is not ReportPart.BODY else [],
                attached=APPENDIX_ATTACHED if report.part is ReportPart.BODY else None,
                appendix_alone=report.part is ReportPart.APPENDIX,
                appendix_heading=APPENDIX_HEADING,
                appendix_intro=APPENDIX_INTRO,
                code_note=CODE_LABEL_NOTE,
            )
        )
        return html.encode("utf-8")
