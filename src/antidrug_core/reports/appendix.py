"""The appendix in words: what every renderer writes for each figure, so all formats agree.

An auditor reads the appendix beside ``antidrug rates --explain``: each
figure's definition (id, version, digest, populations), the period,
division and ``known_at``, every gross count, the exact value, the rate as
``antidrug rates`` displays it, the text the report shows and the rule that
made it, and the command that reproduces it with its evidence.
"""

from __future__ import annotations

import attrs

from antidrug_core.indicators.numbers import value_text
from antidrug_core.indicators.results import IndicatorResult
from antidrug_core.model import InvalidInput
from antidrug_core.reports.formatting import period_text
from antidrug_core.reports.model import AppendixEntry, Chart, Figure, Paragraph, Report, ReportPart, Source

__all__ = [
    "APPENDIX_ATTACHED",
    "APPENDIX_HEADING",
    "APPENDIX_INTRO",
    "APPENDIX_PLACEMENTS",
    "appendix_heading",
    "appendix_lines",
    "arrange_appendix",
    "citations",
    "cited_entries",
    "report_facts",
]

APPENDIX_HEADING = "附录：数据说明"
APPENDIX_INTRO = (
    "本附录逐项列出正文中的数据：指标定义（编号、版本、摘要值、口径）、统计期间、区划、"
    "数据截止时间、各人群计数、精确值、报告中的写法及取数规则，以及可复核该数据及其明细的命令。"
    "人员只以计数出现，不含姓名和身份证号码。正文各段末的上标编号[n]即本附录第n项。"
)
APPENDIX_ATTACHED = (
    "附件：数据说明（另册）。正文各段末的上标编号[n]即该册第n项，列有该数据的口径、计数和复核命令。"
)
"""Said at the end of a body whose appendix is a document of its own."""

APPENDIX_PLACEMENTS = ("inline", "separate", "none")
"""Where the appendix goes: after the body (the default), in a document of its own, or nowhere."""


def arrange_appendix(report: Report, placement: str) -> tuple[Report, Report | None]:
    """The documents ``placement`` makes of ``report``: the body's, and the appendix's own or None.

    ``inline`` keeps the report whole; ``separate`` gives the body (citing
    the appendix's entries by number) and the appendix as a second report;
    ``none`` drops the appendix, and with it the citations.

    Raises:
        InvalidInput: ``placement`` is not one of ``APPENDIX_PLACEMENTS``.
    """
    if placement not in APPENDIX_PLACEMENTS:
        raise InvalidInput.of("--appendix", f"{placement!r} is not one of {', '.join(APPENDIX_PLACEMENTS)}")
    if placement == "none":
        return attrs.evolve(report, appendix=(), part=ReportPart.WHOLE), None
    if placement == "separate" and report.appendix:
        return (
            attrs.evolve(report, part=ReportPart.BODY),
            attrs.evolve(report, part=ReportPart.APPENDIX),
        )
    return attrs.evolve(report, part=ReportPart.WHOLE), None


def citations(report: Report) -> dict[tuple[str, str], int]:
    """The appendix entry each figure of the body cites, by (key, text); empty when nothing is cited.

    A figure shown twice with the same text is one entry, as in the appendix.
    """
    if report.part is ReportPart.APPENDIX:
        return {}
    return {(entry.figure.key, entry.figure.text): entry.number for entry in report.appendix}


def cited_entries(numbers: dict[tuple[str, str], int], paragraph: Paragraph | Chart) -> str | None:
    """What a paragraph (or a breakdown chart, by its bars) of the body cites, as its superscript
    reads (``[10-13]``, ``[3,10]``), or None.

    One mark per paragraph, after it, rather than one per number: a
    sentence with four numbers would otherwise carry four marks, and the
    summary must read as one an office hands in. Entries are numbered in
    reading order, so a paragraph's are mostly one run.
    """
    cited = sorted(
        {
            numbers[(p.key, p.text)]
            for p in (paragraph.parts if isinstance(paragraph, Paragraph) else paragraph.figures)
            if isinstance(p, Figure) and (p.key, p.text) in numbers
        }
    )
    if not cited:
        return None
    runs: list[list[int]] = []
    for number in cited:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return "[" + ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs) + "]"


def appendix_heading(entry: AppendixEntry) -> str:
    """``1. 见面核查率（face_check_rate）：95.39%``."""
    return f"{entry.number}. {entry.figure.label}（{entry.figure.key}）：{entry.figure.text}"


def _counts(result: IndicatorResult) -> str:
    return (
        f"初始人群 IP={result.initial_population}，分母 D={result.denominator}，"
        f"分母排除 DX={result.denominator_exclusion}，分母例外 DE={result.denominator_exception}，"
        f"分子 N={result.numerator}，分子排除 NX={result.numerator_exclusion}"
    )


def _value(result: IndicatorResult) -> str:
    if result.value is None:
        return f"无值（{result.reason or '分母净数为0'}），显示为 {result.display}"
    value = result.value
    fraction = f"{value.numerator}/{value.denominator} = " if value.denominator != 1 else ""
    return f"{fraction}{value_text(value)}，显示为 {result.display}"


def _source_lines(source: Source, prefix: str) -> list[tuple[str, str]]:
    result = source.result
    known_at = result.known_at.isoformat() if result.known_at else "全部记录（未限定录入时间）"
    return [
        (
            f"{prefix}结果",
            f"{source.name} {result.indicator} v{result.version}；{period_text(result.period)}"
            f"（{result.period}）；{source.division_name}（{result.division}）；数据截止：{known_at}；"
            f"责任区划规则：{result.policy.responsible}；视角：{result.view}",
        ),
        (
            f"{prefix}计数",
            f"{_counts(result)}；N−NX={result.net_numerator}，D−DX−DE={result.net_denominator}",
        ),
        (f"{prefix}数值", _value(result)),
        (f"{prefix}定义摘要", result.digest),
    ]


def appendix_lines(entry: AppendixEntry) -> list[tuple[str, str]]:
    """The entry as (label, text) lines, in the order every renderer writes them."""
    figure = entry.figure
    lines: list[tuple[str, str]] = [("报告中写作", f"{figure.text}（{figure.rule}）")]
    if len(figure.sources) == 1:
        lines += _source_lines(figure.sources[0], "")
    else:
        for source, prefix in zip(figure.sources, ("上期", "本期"), strict=False):
            lines += _source_lines(source, prefix)
    lines.append(("口径", entry.definition))
    lines.append(("复核命令", entry.command))
    return lines


def report_facts(report: Report) -> list[tuple[str, str]]:
    """What the report is of, said under its title."""
    known_at = report.known_at.isoformat() if report.known_at else "全部记录"
    return [
        ("区划", f"{report.division_name}（{report.division}）"),
        ("报告期", f"{period_text(report.period)}（{report.period}）"),
        ("数据截止", known_at),
        ("模板", report.template_name_zh or report.template),
    ]
