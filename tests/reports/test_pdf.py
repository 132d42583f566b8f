"""Every template's Word summary printed to PDF by LibreOffice, and looked at page by page.

What a person holding the printout would check: how many pages, that no
chart or table runs into a margin or off the page, that every page carries
its text and its number, and that the appendix begins where the body ends.
Needs Debian's ``libreoffice-writer-nogui`` and ``poppler-utils``
(``.ci/run`` installs them).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import attrs
import pytest
from docx import Document
from docx.shared import Mm

from antidrug_core import Actor, open_store
from antidrug_core.reports import Paragraph, Report, arrange_appendix, make_report, report_templates
from antidrug_core.reports.appendix import APPENDIX_ATTACHED, APPENDIX_HEADING, appendix_heading
from antidrug_core.store import Store
from antidrug_reports.charts import draw_chart, packaged_cjk_font
from antidrug_reports.word import WordRenderer

from .conftest import COUNTY, H2, load
from .printing import (
    compact,
    ink_outside,
    page_count,
    page_texts,
    pages_as_pixels,
    placed_images,
    to_pdf,
)
from .test_printing import CHART, WIDE_SPEC


@attrs.frozen
class Printed:
    """One template's summary, printed in each of the ways ``--appendix`` allows."""

    report: Report
    inline: Path
    none: Path
    body: Path
    appendix: Path


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """Every registered template's summary of a county of 45 townships, as LibreOffice prints it."""
    folder = tmp_path_factory.mktemp("printed")
    store: Store = open_store("memory://")
    load(store, WIDE_SPEC)
    renderer = WordRenderer()
    documents: dict[str, tuple[Report, list[Path]]] = {}
    with store.unit_of_work(Actor.local_administrator()) as uow:
        for name in report_templates(store.plugins).names():
            report = make_report(uow, name, H2, COUNTY)
            whole, _ = arrange_appendix(report, "inline")
            bare, _ = arrange_appendix(report, "none")
            body, appendix = arrange_appendix(report, "separate")
            assert appendix is not None
            paths = []
            for suffix, part in (("inline", whole), ("none", bare), ("body", body), ("appendix", appendix)):
                path = folder / f"{name}-{suffix}.docx"
                path.write_bytes(renderer.render(part))
                paths.append(path)
            documents[name] = (report, paths)
    store.close()
    overflowing = folder / "overflowing.docx"
    overflowing.write_bytes(_overflowing())
    pdfs = iter(to_pdf([*(p for _, paths in documents.values() for p in paths), overflowing], folder))
    return {
        name: Printed(report, *(next(pdfs) for _ in paths)) for name, (report, paths) in documents.items()
    }


def _overflowing() -> bytes:
    """A page with a chart as large as the demo's first chart was before issue 16: 155 × 275 mm."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    png = draw_chart(CHART, packaged_cjk_font()).png
    document.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Mm(155), height=Mm(275))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PEOPLE_TEMPLATES = ("half_year", "annual")
"""The summaries whose charts and tables are of people by township; the work-log ones have their own."""

PRINTABLE_MM = (156.0 + 0.5, 225.0 + 0.5)
"""Inside the margins of A4 as an official document (210 − 28 − 26, 297 − 37 − 35), and a hair."""


def too_large(pdf: Path) -> list[str]:
    width, height = PRINTABLE_MM
    return [
        f"{pdf.name}, page {page}: a picture of {w:.0f} × {h:.0f} mm"
        for page, w, h in placed_images(pdf)
        if w > width or h > height
    ]


def test_a_chart_that_runs_off_the_page_is_seen(printed: dict[str, Printed]) -> None:
    pdf = next(iter(printed.values())).inline.with_name("overflowing.pdf")
    # pdfimages gives the resolution in whole pixels per inch: the size comes back within a few mm.
    (found,) = too_large(pdf)
    assert found.startswith("overflowing.pdf, page 1: a picture of 155 × 27")


def test_every_picture_of_every_template_is_placed_whole_inside_the_margins(
    printed: dict[str, Printed],
) -> None:
    for documents in printed.values():
        for pdf in (documents.inline, documents.body):
            assert placed_images(pdf) or not any(documents.report.charts()), pdf.name
            assert too_large(pdf) == []


def test_no_chart_or_table_of_any_template_crosses_a_margin(
    printed: dict[str, Printed], tmp_path: Path
) -> None:
    for documents in printed.values():
        for pdf in (documents.inline, documents.body, documents.appendix):
            for number, page in enumerate(pages_as_pixels(pdf, tmp_path), 1):
                assert ink_outside(page) == [], f"{pdf.name}, page {number}"


def test_every_page_carries_text_and_its_number(printed: dict[str, Printed]) -> None:
    for documents in printed.values():
        for pdf in (documents.inline, documents.none, documents.body, documents.appendix):
            texts = page_texts(pdf)
            assert len(texts) == page_count(pdf)
            for number, text in enumerate(texts, 1):
                page = compact(text)
                assert f"—{number}—" in page, f"{pdf.name}, page {number} has no page number"
                assert len(page.replace(f"—{number}—", "")) > 20, f"{pdf.name}, page {number} is blank"


def test_the_body_says_every_paragraph_and_every_chart_caption(printed: dict[str, Printed]) -> None:
    for name, documents in printed.items():
        # A paragraph that runs over a page break has the page number (—3—) set inside it.
        text = re.sub(r"—\d+—", "", compact("".join(page_texts(documents.none))))
        for section in documents.report.sections:
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    assert compact(block.plain) in text, (name, block.plain[:30])
        if name not in PEOPLE_TEMPLATES:
            # The work-log summaries of a county of people only: their charts, if any, are short.
            assert ("图1" in text) == any(documents.report.charts()), name
            continue
        assert "图1" in text
        assert "图1（续）" in text, "the wide county's chart goes on over a second page"
        assert "图2" in text


def test_the_appendix_begins_on_the_page_after_the_body_and_stands_alone_as_well(
    printed: dict[str, Printed],
) -> None:
    for name, documents in printed.items():
        body_pages = page_count(documents.none)
        inline = [compact(text) for text in page_texts(documents.inline)]
        first = next(n for n, text in enumerate(inline, 1) if compact(APPENDIX_HEADING) in text)
        assert first == body_pages + 1, name
        appendix_pages = len(inline) - body_pages
        # On its own, the appendix starts under the title rather than on a fresh page.
        assert appendix_pages <= page_count(documents.appendix) <= appendix_pages + 1, name
        assert page_count(documents.body) in (body_pages, body_pages + 1), name
        assert compact(APPENDIX_ATTACHED)[:12] in compact("".join(page_texts(documents.body)))
        alone = compact("".join(page_texts(documents.appendix)))
        for entry in documents.report.appendix:
            assert compact(appendix_heading(entry)) in alone, (name, entry.number)


def test_the_summary_of_a_wide_county_is_a_few_pages_and_its_appendix_many(
    printed: dict[str, Printed],
) -> None:
    for name, documents in printed.items():
        # 45 townships: text, a table of 46 rows, a chart over two pages and a chart of changes.
        # The work-log summaries chart every township too, so a county of 45 takes more pages.
        least, most = (4, 9) if name in PEOPLE_TEMPLATES else (1, 15)
        assert least <= page_count(documents.none) <= most, name
        assert page_count(documents.inline) > page_count(documents.none), name
