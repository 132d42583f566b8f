"""The Word renderer: the summary laid out as a Chinese official document (GB/T 9704).

A4 with the standard margins; the title in 方正小标宋简体 二号, centred; the
body in 仿宋_GB2312 三号 at a fixed 28-point line, first lines indented by
two characters; first-level headings in 黑体; page numbers ``— 1 —`` in the
footer. Word picks the font for Chinese text from the East Asian font
attribute (``w:rFonts w:eastAsia``), not from the font name python-docx
sets, so every style and run here sets it explicitly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section as DocxSection
from docx.shared import Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

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
from antidrug_reports.charts import CODE_LABEL_NOTE, ChartFrame, chart_caption, draw_chart, find_cjk_font

__all__ = ["AUTO", "BODY_FONT", "HEADING_FONT", "TITLE_FONT", "WordRenderer"]

AUTO = "auto"
"""Look for a Chinese font on the machine for charts."""

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SMALL_FONT = "仿宋_GB2312"
_BODY_SIZE = Pt(16)  # 三号
_TITLE_SIZE = Pt(22)  # 二号
_LINE = Pt(28)
_SMALL_SIZE = Pt(12)  # 小四


def set_fonts(run_or_style_rpr: object, name: str) -> None:
    """Name ``name`` for every script of a run or style, East Asian included."""
    rpr = run_or_style_rpr.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    # A theme font attribute wins over the named font in Word; the template's styles carry them.
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _run(paragraph: DocxParagraph, text: str, font: str | None = None, size: Pt | None = None) -> Run:
    run = paragraph.add_run(text)
    if font is not None:
        set_fonts(run._element, font)
    if size is not None:
        run.font.size = size
    return run


def _style(document: DocumentObject, name: str, font: str, size: Pt) -> ParagraphStyle:
    style = document.styles[name]
    assert isinstance(style, ParagraphStyle)
    set_fonts(style.element, font)
    style.font.size = size
    style.font.bold = False
    style.font.italic = False
    return style


def _page_number(paragraph: DocxParagraph) -> None:
    """``— PAGE —`` as a Word field, so the number is right on every page."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", SMALL_FONT, Pt(14))
    run = _run(paragraph, "", SMALL_FONT, Pt(14))
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    number = OxmlElement("w:t")
    number.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, number, end):
        run._element.append(element)
    _run(paragraph, " —", SMALL_FONT, Pt(14))


_CAPTION_ROOM_MM = 22.0
"""Room kept under a chart on its page for a caption of two lines, and the picture's line."""


def chart_frame(section: DocxSection) -> ChartFrame:
    """The room a chart has inside ``section``'s margins, leaving room for its caption."""
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    height = (section.page_height or 0) - (section.top_margin or 0) - (section.bottom_margin or 0)
    return ChartFrame(
        width_mm=min(150.0, Length(width).mm - 6.0), max_height_mm=Length(height).mm - _CAPTION_ROOM_MM
    )


class WordRenderer:
    """``--format docx``: the summary as a Word document laid out as an official document."""

    format = "docx"
    extension = ".docx"
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def __init__(self, font_path: str | None = AUTO) -> None:
        """``font_path``: a font with Chinese glyphs for charts, None to label by codes, or ``AUTO``."""
        self._font_path = font_path

    @property
    def font_path(self) -> str | None:
        return find_cjk_font() if self._font_path == AUTO else self._font_path

    def render(self, report: Report) -> bytes:
        document = Document()
        self._layout(document, report)
        title = document.add_paragraph(style="Title")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(title, report.title, TITLE_FONT, _TITLE_SIZE)
        facts = self._small(document, "　".join(f"{label}：{text}" for label, text in report_facts(report)))
        facts.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if report.part is not ReportPart.APPENDIX:
            self._body(document, report)
        if report.appendix and report.part is not ReportPart.BODY:
            self._appendix(document, report)
        document.core_properties.title = report.title
        document.core_properties.author = "antidrug_core"
        document.core_properties.comments = f"template {report.template}; period {report.period}"
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    def _body(self, document: DocumentObject, report: Report) -> None:
        for note in report.notes:
            self._small(document, f"说明：{note}")
        numbers = citations(report)
        charts = 0
        for section in report.sections:
            if section.heading:
                heading = document.add_paragraph(section.heading, style="Heading 1")
                heading.paragraph_format.first_line_indent = Pt(32)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    self._paragraph(document, block, numbers)
                elif isinstance(block, Chart):
                    charts += 1
                    self._chart(document, block, charts, cited_entries(numbers, block))
                elif isinstance(block, Table):
                    self._table(document, block.title, block.header, block.rows)
                elif isinstance(block, NamedList):
                    self._small(document, f"{block.title}（共{len(block.entries)}人，已脱敏）")
                    for index, entry in enumerate(block.entries, 1):
                        self._small(document, f"{index}. {entry}")
        if report.part is ReportPart.BODY:
            self._small(document, APPENDIX_ATTACHED)

    def _layout(self, document: DocumentObject, report: Report) -> None:
        section = document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(28) - Mm(7)
        normal = _style(document, "Normal", BODY_FONT, _BODY_SIZE)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = _LINE
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.space_before = Pt(0)
        title = _style(document, "Title", TITLE_FONT, _TITLE_SIZE)
        title.paragraph_format.space_after = Pt(12)
        title.paragraph_format.line_spacing = Pt(36)
        title.font.color.rgb = None
        borders = title.element.pPr.find(qn("w:pBdr")) if title.element.pPr is not None else None
        if borders is not None:  # the default template underlines titles in blue; documents do not
            title.element.pPr.remove(borders)
        heading = _style(document, "Heading 1", HEADING_FONT, _BODY_SIZE)
        heading.paragraph_format.space_before = Pt(0)
        heading.paragraph_format.space_after = Pt(0)
        heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        heading.paragraph_format.line_spacing = _LINE
        heading.font.color.rgb = None
        heading2 = _style(document, "Heading 2", "楷体_GB2312", Pt(14))
        heading2.font.color.rgb = None
        _page_number(section.footer.paragraphs[0])

    def _paragraph(
        self, document: DocumentObject, block: Paragraph, numbers: dict[tuple[str, str], int]
    ) -> None:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        for part in block.parts:
            if isinstance(part, str):
                _run(paragraph, part, BODY_FONT)
            elif isinstance(part, Figure):
                _run(paragraph, part.text, BODY_FONT)
            else:
                run = _run(paragraph, fill_marker(part), BODY_FONT)
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                run.bold = True
        cited = cited_entries(numbers, block)
        if cited is not None:
            # The appendix entries, as a superscript like a note's: an auditor finds them, a reader reads on.
            _run(paragraph, cited, BODY_FONT).font.superscript = True

    def _small(self, document: DocumentObject, text: str, size: Pt = _SMALL_SIZE) -> DocxParagraph:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _run(paragraph, text, SMALL_FONT, size)
        return paragraph

    def _chart(self, document: DocumentObject, chart: Chart, number: int, cited: str | None = None) -> None:
        """The chart as pictures at their printed size, each kept on one page with its caption.

        A chart too long for a page comes in parts of whole rows; every part
        after the first is captioned ``图1（续）``, so the reader sees where it
        goes on.
        """
        drawn = draw_chart(chart, self.font_path, chart_frame(document.sections[-1]))
        for index, part in enumerate(drawn.parts):
            picture = document.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            picture.paragraph_format.first_line_indent = Pt(0)
            picture.paragraph_format.keep_with_next = True
            picture.add_run().add_picture(
                io.BytesIO(part.png), width=Mm(part.width_mm), height=Mm(part.height_mm)
            )
            caption = self._small(document, chart_caption(chart, number, index))
            if cited is not None and index == 0:
                # A breakdown's bars are figures of the appendix: the caption cites them as a paragraph does.
                _run(caption, cited, SMALL_FONT, _SMALL_SIZE).font.superscript = True
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption.paragraph_format.first_line_indent = Pt(0)
            caption.paragraph_format.keep_together = True
        if drawn.by_code:
            self._small(document, CODE_LABEL_NOTE, Pt(10.5)).alignment = WD_ALIGN_PARAGRAPH.CENTER
            rows = [
                (f"{code} {name}", *(chart_value_text(chart.unit, s.values[i]) for s in chart.series))
                for i, (code, name) in enumerate(zip(chart.category_codes, chart.categories, strict=True))
            ]
            header = ("代码 / 名称", *(f"{s.code} {s.label}" for s in chart.series))
            self._table(document, f"图{number}数据", header, rows)

    def _table(
        self, document: DocumentObject, title: str, header: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> None:
        caption = self._small(document, title)
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        table = document.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, row in enumerate([header, *rows]):
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.text = ""
                paragraph = cell.paragraphs[0]
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                paragraph.paragraph_format.first_line_indent = Pt(0)
                run = _run(paragraph, text, SMALL_FONT, Pt(10.5))
                run.bold = r == 0

    def _appendix(self, document: DocumentObject, report: Report) -> None:
        heading = document.add_paragraph(APPENDIX_HEADING, style="Heading 1")
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # After the body, the appendix starts a page; as a document of its own it follows the title.
        heading.paragraph_format.page_break_before = report.part is ReportPart.WHOLE
        self._small(document, APPENDIX_INTRO, Pt(10.5))
        for entry in report.appendix:
            document.add_paragraph(appendix_heading(entry), style="Heading 2")
            for label, text in appendix_lines(entry):
                paragraph = self._small(document, "", Pt(10))
                _run(paragraph, f"{label}：", SMALL_FONT, Pt(10)).bold = True
                _run(paragraph, text, SMALL_FONT, Pt(10))
