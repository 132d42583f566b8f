"""The report model can use every precursor-chemical figure: a summary paragraph bound to real results."""

from __future__ import annotations

import json
from importlib import resources

from antidrug_core.indicators import EvaluationRequest, evaluate_dataset
from antidrug_core.indicators.catalogue import precursor_definitions, standard_catalogue
from antidrug_core.indicators.period import Period
from antidrug_core.interchange import read_dataset
from antidrug_core.reports import (
    Figure,
    Paragraph,
    ParagraphTemplate,
    ReportData,
    ReportTemplate,
    SectionTemplate,
    bind_report,
)

FIGURES = ["precursor_units", *(d.id for d in precursor_definitions())]


def test_a_summary_paragraph_takes_every_precursor_figure_with_its_provenance() -> None:
    case = json.loads(
        resources.files("antidrug_core.conformance.cases")
        .joinpath("precursor_figures.the_figures_of_a_year.json")
        .read_text(encoding="utf-8")
    )
    dataset = read_dataset(case["dataset"])
    period = Period.parse("2023")
    results = evaluate_dataset(dataset, EvaluationRequest(period=period, indicators=tuple(FIGURES)))
    text = "；".join(f"{{{figure}}}" for figure in FIGURES)
    template = ReportTemplate(
        name="emergency_probe",
        title="{division}{period}易制毒化学品监管工作总结",
        description="",
        sections=[SectionTemplate("一、易制毒化学品监管", [ParagraphTemplate(text)])],
        appendix=True,
    )
    report = bind_report(
        template,
        ReportData(
            division="522631",
            period=period,
            tree=dataset.tree,
            definitions={d.id: d for d in standard_catalogue()},
            results=results,
            previous=[],
            source="--dataset units.json",
        ),
    )
    paragraph = report.sections[0].blocks[0]
    assert isinstance(paragraph, Paragraph)
    assert "66.67%" in paragraph.plain  # the inspection rate of the county: 2 of 3 units
    assert "33.33%" in paragraph.plain  # rectified on time: 1 of 3 orders
    figures = [part for part in paragraph.parts if isinstance(part, Figure)]
    assert [f.key for f in figures] == FIGURES
    assert all(f.sources for f in figures)
    assert {f.key: f.number for f in figures}["precursor_findings"] == 4
