"""The appendix in words: what every renderer writes for each figure, so all formats agree.

An auditor reads the appendix beside ``antidrug rates --explain``: each
figure's definition (id, version, digest, populations), the period,
division and ``known_at``, every gross count, the exact value, the rate as
``antidrug rates`` displays it, the text the report shows and the rule that
made it, and the command that reproduces it with its evidence.
"""

from __future__ import annotations

from antidrug_core.indicators.numbers import value_text
from antidrug_core.indicators.results import IndicatorResult
from antidrug_core.reports.formatting import period_text
from antidrug_core.reports.model import AppendixEntry, Report, Source

__all__ = ["APPENDIX_HEADING", "APPENDIX_INTRO", "appendix_heading", "appendix_lines", "report_facts"]

APPENDIX_HEADING = "附录：数据说明"
APPENDIX_INTRO = (
    "本附录逐项列出正文中的数据：指标定义（编号、版本、摘要值、口径）、统计期间、区划、"
    "数据截止时间、各人群计数、精确值、报告中的写法及取数规则，以及可复核该数据及其明细的命令。"
    "人员只以计数出现，不含姓名和身份证号码。"
)


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
