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

from antidrug_core import Actor
from antidrug_core.reports import Report, make_report
from antidrug_core.store import Store
from antidrug_reports.charts import CODE_LABEL_NOTE
from antidrug_reports.html import HtmlRenderer

from .conftest import COUNTY, H2, IDENTITY_NUMBER

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
