"""Looking at documents as they print: Word pictures against their page, and PDFs page by page.

A Word document is converted to PDF by LibreOffice (Debian's
``libreoffice-writer-nogui``), as an office that opens and prints it would
see it; a PDF is read back with poppler (Debian's ``poppler-utils``): its
page count, each page's text, and each page rendered to pixels to find ink
outside the margins. A missing tool fails the test that needs it, naming the
package to install.

``python -m tests.reports.printing DOCX... --png-dir DIR`` converts
documents and writes one page of each as a PNG (the pictures in
``docs/reports.md`` are made this way).
"""

from __future__ import annotations

import argparse
import io
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
import numpy as np
import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length
from docx.text.paragraph import Paragraph

EMU_PER_INCH = 914400
EMU_PER_MM = 36000


def tool(name: str, package: str) -> str:
    """The path of a command-line tool, or a failure naming the Debian package that has it."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is needed to look at documents as they print: install Debian's {package}")
    return found


# --- Word: every picture against its section's page ------------------------------------------


@attrs.frozen
class Picture:
    """An inline picture of a Word document, with its section and the paragraph under it."""

    width: int
    """EMU."""
    height: int
    """EMU."""
    pixels: tuple[int, int]
    section: Section
    paragraph: Paragraph
    caption: Paragraph | None

    @property
    def dpi(self) -> float:
        """Pixels per inch as placed: the size it was drawn at, if equal to the drawing's resolution."""
        return self.pixels[0] / (self.width / EMU_PER_INCH)


def png_pixels(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def pictures(document: DocumentObject) -> Iterator[Picture]:
    """Every inline picture in the body, in order, each with the section it is in."""
    sections = list(document.sections)
    index = 0
    paragraphs = document.paragraphs
    for position, paragraph in enumerate(paragraphs):
        element = paragraph._element
        for inline in element.iter(qn("wp:inline")):
            extent = inline.find(qn("wp:extent"))
            blip = next(inline.iter(qn("a:blip")))
            image = document.part.related_parts[blip.get(qn("r:embed"))].blob
            following = paragraphs[position + 1] if position + 1 < len(paragraphs) else None
            yield Picture(
                width=int(extent.get("cx")),
                height=int(extent.get("cy")),
                pixels=png_pixels(image),
                section=sections[index],
                paragraph=paragraph,
                caption=following,
            )
        properties = element.pPr
        if properties is not None and properties.find(qn("w:sectPr")) is not None:
            index += 1


def printable(section: Section) -> tuple[int, int]:
    """The width and height inside a section's margins, in EMU."""
    return (
        _emu(section.page_width) - _emu(section.left_margin) - _emu(section.right_margin),
        _emu(section.page_height) - _emu(section.top_margin) - _emu(section.bottom_margin),
    )


def _emu(length: Length | None) -> int:
    assert length is not None
    return int(length)


def caption_height(caption: Paragraph, width: int) -> int:
    """A generous height for a caption: every character as wide as a full-width one, lines of 1.3 em."""
    size = max((run.font.size or 0) for run in caption.runs) or 12 * 12700
    lines = math.ceil(len(caption.text) * size / width)
    return int(lines * size * 1.3)


def problems_of(document: DocumentObject) -> list[str]:
    """What keeps a picture with its caption from fitting its page's printable area."""
    problems = []
    floating = list(document.element.body.iter(qn("wp:anchor")))
    if floating:
        problems.append(f"{len(floating)} floating pictures: every chart is inline, in the text's flow")
    for number, picture in enumerate(pictures(document), 1):
        width, height = printable(picture.section)
        caption = picture.caption
        if caption is None or not caption.text.startswith("图"):
            problems.append(f"picture {number} has no caption under it")
            continue
        needed = picture.height + caption_height(caption, width) + 3 * EMU_PER_MM
        if picture.width > width:
            wide = picture.width / EMU_PER_MM
            problems.append(f"picture {number} is {wide:.0f} mm wide, the page has {width / EMU_PER_MM:.0f}")
        if needed > height:
            problems.append(
                f"picture {number} ({caption.text[:12]}…) needs {needed / EMU_PER_MM:.0f} mm with its "
                f"caption, the page has {height / EMU_PER_MM:.0f}"
            )
        if not picture.paragraph.paragraph_format.keep_with_next:
            problems.append(f"picture {number} may be parted from its caption")
    return problems


def read_docx(data: bytes) -> DocumentObject:
    return Document(io.BytesIO(data))


# --- PDF: pages, text, and ink outside the margins --------------------------------------------


def to_pdf(documents: Sequence[Path], folder: Path) -> list[Path]:
    """Each document as LibreOffice prints it to PDF (one LibreOffice run for all of them)."""
    soffice = tool("soffice", "libreoffice-writer-nogui")
    profile = folder / "libreoffice-profile"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, documents),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    pdfs = [folder / f"{document.stem}.pdf" for document in documents]
    missing = [pdf.name for pdf in pdfs if not pdf.exists()]
    assert result.returncode == 0, result.stderr[-2000:]
    assert not missing, f"LibreOffice made no {missing}: {result.stderr[-2000:]}"
    return pdfs


def page_count(pdf: Path) -> int:
    info = subprocess.run(
        [tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, in reading order."""
    text = subprocess.run(
        [tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")[: page_count(pdf)]


def placed_images(pdf: Path) -> list[tuple[int, float, float]]:
    """Each picture of ``pdf`` as (page, width mm, height mm) as placed on the page.

    LibreOffice clips a picture taller than the text area at the bottom
    margin rather than letting it run into the margin, so no ink shows
    where it should not: only the size it was placed at tells.
    """
    listing = subprocess.run(
        [tool("pdfimages", "poppler-utils"), "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    placed = []
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if fields[2] != "image":
            continue  # a soft mask is the transparency of the image before it
        width, height, x_ppi, y_ppi = int(fields[3]), int(fields[4]), int(fields[12]), int(fields[13])
        placed.append((int(fields[0]), width / x_ppi * 25.4, height / y_ppi * 25.4))
    return placed


def compact(text: str) -> str:
    """Text without white space: PDF text comes back with spaces and breaks where lines were set."""
    return re.sub(r"\s+", "", text)


@attrs.frozen
class Margins:
    """Where ink may be on a page, in millimetres, and a zone in the bottom margin for the page number."""

    width: float = 210.0
    height: float = 297.0
    top: float = 37.0
    bottom: float = 35.0
    left: float = 28.0
    right: float = 26.0
    folio: bool = True
    """Whether the page number sits in the bottom margin, centred."""


OFFICIAL = Margins()
"""A4 with the official document's margins (GB/T 9704), as the Word renderer lays it out."""

_DPI = 50
_TOLERANCE_MM = 1.5
"""Anti-aliasing and a glyph's side bearings may touch the margin by a hair."""


def pages_as_pixels(pdf: Path, folder: Path, dpi: int = _DPI) -> list[np.ndarray]:
    """Each page of ``pdf`` in grey levels (0 black … 255 white)."""
    prefix = folder / pdf.stem
    subprocess.run(
        [tool("pdftoppm", "poppler-utils"), "-gray", "-r", str(dpi), str(pdf), str(prefix)], check=True
    )
    pages = []
    for path in sorted(folder.glob(f"{pdf.stem}-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        data = path.read_bytes()
        match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        assert match, path
        width, height = int(match.group(1)), int(match.group(2))
        pixels = np.frombuffer(data[match.end() : match.end() + width * height], dtype=np.uint8)
        pages.append(pixels.reshape(height, width))
    return pages


def ink_outside(page: np.ndarray, margins: Margins = OFFICIAL) -> list[str]:
    """Where a page has ink outside its printable area (the page number's place excepted)."""
    per_mm = float(page.shape[1]) / margins.width
    ink = page < 200

    def px(mm: float) -> int:
        return round(mm * per_mm)

    t = _TOLERANCE_MM
    allowed = np.zeros_like(ink)
    allowed[
        px(margins.top - t) : px(margins.height - margins.bottom + t),
        px(margins.left - t) : px(margins.width - margins.right + t),
    ] = True
    if margins.folio:
        middle = margins.width / 2
        allowed[
            px(margins.height - margins.bottom) : px(margins.height - 8), px(middle - 25) : px(middle + 25)
        ] = True
    stray = ink & ~allowed
    if not stray.any():
        return []
    rows, columns = np.nonzero(stray)
    return [
        f"{int(stray.sum())} inked pixels outside the margins, "
        f"x {columns.min() / per_mm:.0f}–{columns.max() / per_mm:.0f} mm, "
        f"y {rows.min() / per_mm:.0f}–{rows.max() / per_mm:.0f} mm"
    ]


def page_png(pdf: Path, page: int, target: Path, dpi: int = 72) -> None:
    """One page of ``pdf`` as a PNG, as in the documentation."""
    prefix = target.with_suffix("")
    subprocess.run(
        [
            tool("pdftoppm", "poppler-utils"),
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Convert Word documents to PDF and keep one page of each as PNG"
    )
    parser.add_argument("documents", nargs="+", type=Path)
    parser.add_argument("--page", type=int, default=3)
    parser.add_argument("--png-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    args.png_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for document, pdf in zip(args.documents, to_pdf(args.documents, Path(folder)), strict=True):
            page_png(pdf, args.page, args.png_dir / f"{document.stem}-page{args.page}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
