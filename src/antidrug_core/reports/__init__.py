"""Work summaries from data: templates, figures with provenance, renderers.

* ``ReportTemplate`` and its sections: a summary's wording as data, with
  placeholders for figures (``{face_check_rate}``), facts (``{division}``)
  and fields a person fills (``{fill:plans 下一步工作计划}``). Plugins add
  templates through ``antidrug_register_templates``.
* ``make_report(uow, template, period, division)``: checks the template,
  computes its figures from the store and binds them into a ``Report``,
  each figure keeping the results it came from (indicator, version,
  digest, period, division, ``known_at``, every count).
* ``render(report, format, plugins)``: Markdown is built in; plugins add
  renderers through ``antidrug_register_renderers`` (the first-party
  ``antidrug_reports`` adds HTML and Word, with charts).
* ``reports.formatting``: how figures read (``91.67%``, ``100%``,
  ``逾万人次``, ``近2万份``, ``30余场``), each an explicit rule.

Reports carry counts, never names or identity numbers; a named list is
included, masked, only when a role allowed to see identities asks for it.
"""

from __future__ import annotations

from antidrug_core.reports.appendix import (
    APPENDIX_PLACEMENTS,
    appendix_lines,
    arrange_appendix,
    citations,
    cited_entries,
    report_facts,
)
from antidrug_core.reports.binding import ReportData, bind_report, describe_definition
from antidrug_core.reports.formatting import (
    Approximation,
    amount_text,
    approximate,
    change_text,
    chart_value_text,
    count_text,
    date_text,
    next_period,
    percent_text,
    period_text,
)
from antidrug_core.reports.markdown import MarkdownRenderer, render_markdown
from antidrug_core.reports.model import (
    AppendixEntry,
    Block,
    Chart,
    Figure,
    Fill,
    NamedList,
    Paragraph,
    Report,
    ReportPart,
    Section,
    Series,
    Source,
    Table,
    fill_marker,
)
from antidrug_core.reports.service import has_records, make_report, render, report_renderers, report_templates
from antidrug_core.reports.templates import (
    ChartKind,
    ChartTemplate,
    NamedListTemplate,
    ParagraphTemplate,
    Renderer,
    ReportTemplate,
    SectionTemplate,
    TableTemplate,
    check_template,
    parts_of,
    referenced_indicators,
    renderer_registry,
    template_problems,
    template_registry,
)

__all__ = [
    "APPENDIX_PLACEMENTS",
    "AppendixEntry",
    "Approximation",
    "Block",
    "Chart",
    "ChartKind",
    "ChartTemplate",
    "Figure",
    "Fill",
    "MarkdownRenderer",
    "NamedList",
    "NamedListTemplate",
    "Paragraph",
    "ParagraphTemplate",
    "Renderer",
    "Report",
    "ReportData",
    "ReportPart",
    "ReportTemplate",
    "Section",
    "SectionTemplate",
    "Series",
    "Source",
    "Table",
    "TableTemplate",
    "amount_text",
    "appendix_lines",
    "approximate",
    "arrange_appendix",
    "bind_report",
    "change_text",
    "chart_value_text",
    "check_template",
    "citations",
    "cited_entries",
    "count_text",
    "date_text",
    "describe_definition",
    "fill_marker",
    "has_records",
    "make_report",
    "next_period",
    "parts_of",
    "percent_text",
    "period_text",
    "referenced_indicators",
    "render",
    "render_markdown",
    "renderer_registry",
    "report_facts",
    "report_renderers",
    "report_templates",
    "template_problems",
    "template_registry",
]
