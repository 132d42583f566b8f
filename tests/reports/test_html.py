"""The HTML document: standalone, printable, and loaded by a real browser with every chart present."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from antidrug_core import Actor, open_store
from antidrug_core.reports import Report, make_report
from antidrug_core.store import Store
from antidrug_reports.charts import CODE_LABEL_NOTE, packaged_cjk_font
from antidrug_reports.html import HtmlRenderer

from .conftest import COUNTY, H2, IDENTITY_NUMBER, load
from .printing import Margins, ink_outside, pages_as_pixels, placed_images
from .test_printing import WIDE_SPEC

IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def report(county_store: Store) -> Report:
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        return make_report(uow, "half_year", H2, COUNTY)


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return HtmlRenderer(font_path=None).render(report).decode("utf-8")


def test_the_page_stands_alone(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing is fetched from elsewhere"
    assert "<script" not in page


def test_the_page_prints_on_a4(page: str) -> None:
    assert "@media print" in page
    assert re.search(r"@page \{ size: A4;", page)


def test_every_chart_is_an_embedded_png(page: str, report: Report) -> None:
    images = IMAGE.findall(page)
    assert len(images) == len(list(report.charts())) == 2
    assert all(base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n") for image in images)


def test_text_is_escaped_and_fields_to_fill_are_marked(page: str, report: Report) -> None:
    assert page.count('<mark class="fill"') == len(list(report.fills()))
    assert "【待填写：工作中存在的问题】" in page
    assert "<h1>" + html.escape(report.title) + "</h1>" in page


def test_figures_carry_their_rule_for_the_curious_reader(page: str) -> None:
    assert re.search(r'<span class="figure" data-figure="face_check_rate" title="见面核查率：比率：', page)


def test_charts_labelled_by_code_say_so_and_give_the_names(page: str) -> None:
    assert CODE_LABEL_NOTE in page
    assert "522631101 " in page


def test_the_page_names_no_one(page: str) -> None:
    assert not IDENTITY_NUMBER.search(page)


# --- in a browser -------------------------------------------------------------------------

PROBE = """<script>
window.__problems = [];
window.addEventListener("error", function (event) {
  window.__problems.push(event.message || (event.target && (event.target.src || "").slice(0, 40)) || "error");
}, true);
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  document.documentElement.setAttribute("data-probe", JSON.stringify({
    problems: window.__problems,
    images: images.length,
    drawn: images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    title: document.title
  }));
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("the HTML is checked in headless Chromium: install Debian's chromium package")
    return found


def test_the_page_loads_in_headless_chromium_with_every_chart(
    page: str, report: Report, tmp_path: Path
) -> None:
    browser = chromium()
    probed = tmp_path / "report.html"
    # The probe goes first in <head>, so it hears about every error while the page loads.
    probed.write_text(page.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    match = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert match, f"the page did not finish loading: {result.stderr[-2000:]}"
    probe = json.loads(html.unescape(match.group(1)))
    assert probe["problems"] == []
    assert probe["images"] == len(list(report.charts())) == 2
    assert probe["drawn"] == probe["images"], "every chart image decoded and drawn"
    assert probe["title"] == report.title


# --- printed ------------------------------------------------------------------------------------


def test_the_printed_page_keeps_every_chart_whole_inside_the_margins(tmp_path: Path) -> None:
    """A county of 45 townships, printed by Chromium: charts at page width, split over pages, in Chinese."""
    store = open_store("memory://")
    load(store, WIDE_SPEC)
    with store.unit_of_work(Actor.local_administrator()) as uow:
        wide = make_report(uow, "half_year", H2, COUNTY)
    store.close()
    page = HtmlRenderer(font_path=packaged_cjk_font()).render(wide).decode("utf-8")
    assert CODE_LABEL_NOTE not in page
    assert "图1（续）" in page
    assert re.findall(r'<img [^>]*style="width: ([\d.]+)mm"', page) == ["150"] * len(IMAGE.findall(page))
    source = tmp_path / "wide.html"
    source.write_text(page, encoding="utf-8")
    pdf = tmp_path / "wide.pdf"
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            source.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    placed = placed_images(pdf)
    assert len(placed) == len(IMAGE.findall(page))
    for number, width, height in placed:
        assert width <= 156.5, number
        assert height <= 225.5, number
    for number, pixels in enumerate(pages_as_pixels(pdf, tmp_path), 1):
        assert ink_outside(pixels, Margins(folio=False)) == [], f"page {number}"
