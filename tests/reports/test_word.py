"""The Word document: an official document's layout, headings and figures, read back with python-docx."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn

from antidrug_core import Actor
from antidrug_core.reports import Paragraph, Report, citations, cited_entries, make_report
from antidrug_core.store import Store
from antidrug_reports.word import BODY_FONT, HEADING_FONT, TITLE_FONT, WordRenderer

from .conftest import COUNTY, H2, IDENTITY_NUMBER


@pytest.fixture(scope="module")
def report(county_store: Store) -> Report:
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        return make_report(uow, "half_year", H2, COUNTY)


@pytest.fixture(scope="module")
def document(report: Report) -> DocumentObject:
    return Document(io.BytesIO(WordRenderer(font_path=None).render(report)))


def east_asian(element: object) -> str | None:
    fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts"))  # type: ignore[attr-defined]
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_the_page_is_a4_with_official_document_margins(document: DocumentObject) -> None:
    section = document.sections[0]
    sizes = [section.page_width, section.page_height]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    # Word keeps lengths in twentieths of a point: a millimetre comes back within a hundredth.
    assert [length.mm for length in sizes] == pytest.approx([210, 297], abs=0.01)  # type: ignore[union-attr]
    assert [length.mm for length in margins] == pytest.approx([37, 35, 28, 26], abs=0.01)  # type: ignore[union-attr]


def test_the_title_is_in_xiaobiaosong_and_chinese_text_really_uses_it(
    document: DocumentObject, report: Report
) -> None:
    title = document.paragraphs[0]
    assert title.text == report.title
    assert all(east_asian(run._element) == TITLE_FONT for run in title.runs)


def test_the_body_is_in_fangsong_for_chinese_text(document: DocumentObject) -> None:
    normal = document.styles["Normal"]
    assert east_asian(normal.element) == BODY_FONT
    body = [
        p
        for p in document.paragraphs
        if p.style is not None and p.style.name == "Normal" and p.text.startswith("一是")
    ]
    assert body
    assert all(east_asian(run._element) == BODY_FONT for run in body[0].runs)
    assert body[0].paragraph_format.first_line_indent is not None


def test_headings_are_those_of_the_summary_in_heiti(document: DocumentObject) -> None:
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[:3] == ["一、组织领导", "二、基本情况", "三、加强动态管控，落实帮教措施"]
    assert "四、检测工作" in headings
    assert headings[-1] == "附录：数据说明"
    assert east_asian(document.styles["Heading 1"].element) == HEADING_FONT


def test_every_paragraph_and_figure_of_the_report_is_in_the_document(
    document: DocumentObject, report: Report
) -> None:
    texts = [p.text for p in document.paragraphs]
    numbers = citations(report)
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Paragraph):
                assert block.plain + (cited_entries(numbers, block) or "") in texts
    face_checks = next(f for f in report.figures() if f.key == "face_check_rate")
    assert any(text.startswith(f"一是见面核查率{face_checks.text}。") for text in texts)


def test_fields_to_fill_stand_out(document: DocumentObject) -> None:
    marked = [run for p in document.paragraphs for run in p.runs if run.text.startswith("【待填写：")]
    assert len(marked) >= 4
    assert all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW for run in marked)


def test_pages_are_numbered_with_a_field(document: DocumentObject) -> None:
    footer = document.sections[0].footer.paragraphs[0]
    instructions = [node.text for node in footer._element.iter(qn("w:instrText"))]
    assert instructions == [" PAGE "]
    assert footer.text.startswith("— ")
    assert footer.text.endswith(" —")


def test_every_chart_is_a_picture_in_the_document(document: DocumentObject, report: Report) -> None:
    assert len(document.inline_shapes) == len(list(report.charts())) == 2


def test_charts_labelled_by_code_come_with_a_table_of_names(document: DocumentObject) -> None:
    texts = [p.text for p in document.paragraphs]
    assert any("以区划代码和指标编号标注" in text for text in texts)
    headers = [table.rows[0].cells[0].text for table in document.tables]
    assert "代码 / 名称" in headers


def test_the_document_names_no_one(document: DocumentObject) -> None:
    everything = "\n".join(p.text for p in document.paragraphs)
    everything += "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert not IDENTITY_NUMBER.search(everything)


def test_no_theme_font_overrides_the_named_fonts(document: DocumentObject) -> None:
    # In Word a theme font attribute (w:eastAsiaTheme …) wins over the named font.
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = document.styles[name].element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert fonts is not None
        assert not [key for key in fonts.attrib if key.endswith(("Theme", "theme"))], name
