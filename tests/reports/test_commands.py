"""``antidrug demo`` and ``antidrug report`` end to end, on the embedded SQLite store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document

from antidrug_core.cli import main
from antidrug_core.reports.appendix import APPENDIX_HEADING

from .conftest import IDENTITY_NUMBER, outputs_text

SMALL = ["--people", "240", "--townships", "5"]


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo county on SQLite, made once for the module."""
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(folder), *SMALL]) == 0
    return folder


def test_the_demo_writes_the_summary_in_three_formats_and_the_store(small_demo: Path) -> None:
    names = sorted(p.name for p in small_demo.iterdir())
    summaries = ["summary-2025H2.docx", "summary-2025H2.html", "summary-2025H2.md"]
    seeds = [
        f"{name}.{format}"
        for name in (
            "emergency_annual-2025",
            "forestry_annual-2025",
            "street_annual-2025",
            "township_half_year-2025H2",
        )
        for format in ("docx", "md")
    ]
    assert names == sorted(["antidrug.db", *summaries, *seeds])
    markdown = (small_demo / "summary-2025H2.md").read_text(encoding="utf-8")
    assert markdown.startswith("# ")
    assert "2025年下半年禁毒工作总结及2026年上半年工作计划" in markdown


def test_the_demo_is_deterministic(
    small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["demo", "--dir", str(small_demo), *SMALL]) == 0  # again, over the previous run
    again = capsys.readouterr().out
    assert main(["demo", "--dir", str(tmp_path), "--db", "memory://", *SMALL]) == 0
    in_memory = capsys.readouterr().out
    table = again.split("wrote")[0]
    assert table == in_memory.split("wrote")[0], (
        "the same county on SQLite and in memory gives the same rates"
    )
    first = (small_demo / "summary-2025H2.md").read_text(encoding="utf-8")
    second = (tmp_path / "summary-2025H2.md").read_text(encoding="utf-8")
    assert first.replace(f"sqlite:///{small_demo}/antidrug.db", "X") == second.replace("memory://", "X")


def test_the_demo_prints_the_rates_by_township(small_demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(small_demo), *SMALL]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    header = next(line for line in lines if line.startswith("区划"))
    assert "见面核查率" in header
    assert "APP登录率" in header
    rows = [line for line in lines if re.search(r" 522631\d{3} ", line)]
    assert len(rows) == 5, "one row per township"
    assert any("（合计）" in line for line in lines)
    assert "[1/5" in captured.err, "progress is shown while it works"
    assert "[5/5" in captured.err


def test_no_output_of_the_demo_contains_an_identity_number(small_demo: Path) -> None:
    for path in small_demo.glob("summary-*"):
        assert not IDENTITY_NUMBER.search(outputs_text(path)), path


def test_the_demos_word_document_has_the_headings_and_figures(small_demo: Path) -> None:
    document = Document(str(small_demo / "summary-2025H2.docx"))
    texts = [p.text for p in document.paragraphs]
    assert "三、加强动态管控，落实帮教措施" in texts
    assert any(text.startswith("一是见面核查率") and "%" in text for text in texts)
    markdown = (small_demo / "summary-2025H2.md").read_text(encoding="utf-8")
    rate_line = next(line for line in markdown.splitlines() if line.startswith("一是见面核查率"))
    # Markdown marks the citation of appendix entries as <sup>; Word as a superscript run.
    assert re.sub(r"</?sup>", "", rate_line) in texts


def test_the_default_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.search(r" 522631(\d{3})? ", line)]
    assert len(rows) == 21, "twenty townships and the county"
    for path in tmp_path.glob("summary-*"):
        assert not IDENTITY_NUMBER.search(outputs_text(path)), path
    assert len(Document(str(tmp_path / "summary-2025H2.docx")).inline_shapes) == 2


def test_the_demo_refuses_a_store_that_already_holds_people(
    small_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{small_demo / 'antidrug.db'}"
    assert main(["demo", "--dir", str(small_demo / "again"), "--db", url, *SMALL]) == 2
    assert "already holds people" in capsys.readouterr().err


# --- antidrug report ------------------------------------------------------------------------


def report(small_demo: Path, *extra: str) -> int:
    url = f"sqlite:///{small_demo / 'antidrug.db'}"
    return main(["report", "--db", url, "--division", "522631", *extra])


@pytest.mark.parametrize("suffix", ["docx", "html", "md"])
def test_report_writes_the_format_its_file_names(small_demo: Path, tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"annual.{suffix}"
    assert report(small_demo, "--period", "2025", "--template", "annual", "-o", str(output)) == 0
    assert output.stat().st_size > 1000
    assert not IDENTITY_NUMBER.search(outputs_text(output))
    text = outputs_text(output)
    assert "2025年禁毒工作总结" in text


def test_report_says_plainly_when_the_period_holds_no_records(
    small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "empty.docx"
    assert report(small_demo, "--period", "2000H1", "-o", str(output)) == 2
    assert "holds no records dated in 2000年上半年" in capsys.readouterr().err
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []


def test_report_names_the_formats_it_knows(
    small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(small_demo, "--period", "2025H2", "-o", str(tmp_path / "summary.pdf")) == 2
    assert "'pdf' is not a report format (known: md, html, docx)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_report_names_the_templates_it_knows(
    small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        report(small_demo, "--period", "2025H2", "--template", "monthly", "-o", str(tmp_path / "x.md")) == 2
    )
    error = capsys.readouterr().err
    assert "'monthly'" in error
    assert "half_year" in error


def test_report_with_named_lists_shows_pseudonymous_ids_for_people_without_identities(
    small_demo: Path, tmp_path: Path
) -> None:
    output = tmp_path / "named.md"
    assert report(small_demo, "--period", "2025H2", "--named-lists", "-o", str(output)) == 0
    text = output.read_text(encoding="utf-8")
    assert "仍脱失人员名单" in text
    assert not IDENTITY_NUMBER.search(text)


def test_report_reproduces_a_past_report_with_known_at(small_demo: Path, tmp_path: Path) -> None:
    output = tmp_path / "then.md"
    assert (
        report(small_demo, "--period", "2025H2", "--known-at", "2026-01-05T00:00:00+08:00", "-o", str(output))
        == 0
    )
    assert "数据截止：2026-01-05T00:00:00+08:00" in output.read_text(encoding="utf-8")


# --- the appendix: inline, separate or none ----------------------------------------------------


def headings(path: Path) -> list[str]:
    return [
        p.text for p in Document(str(path)).paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]


def superscripts(path: Path) -> list[str]:
    return [run.text for p in Document(str(path)).paragraphs for run in p.runs if run.font.superscript]


def test_by_default_the_appendix_follows_the_summary_and_the_summary_cites_it(
    small_demo: Path, tmp_path: Path
) -> None:
    output = tmp_path / "summary.docx"
    assert report(small_demo, "--period", "2025H2", "-o", str(output)) == 0
    assert headings(output)[-1] == APPENDIX_HEADING
    assert superscripts(output)[0] == "[1-6]", "the first paragraph's six counts of people"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.docx"]


@pytest.mark.parametrize("suffix", ["docx", "html", "md"])
def test_a_separate_appendix_is_its_own_document_and_the_summary_still_cites_its_entries(
    small_demo: Path, tmp_path: Path, suffix: str
) -> None:
    output = tmp_path / f"summary.{suffix}"
    assert report(small_demo, "--period", "2025H2", "--appendix", "separate", "-o", str(output)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"summary-appendix.{suffix}", f"summary.{suffix}"]
    body = outputs_text(output)
    appendix = outputs_text(tmp_path / f"summary-appendix.{suffix}")
    assert APPENDIX_HEADING not in body
    assert "附件：数据说明（另册）" in body
    assert "一、组织领导" not in appendix
    assert APPENDIX_HEADING in appendix
    assert "1. 在管人员（managed）" in appendix
    # The body's paragraphs still carry the numbers of the entries they cite.
    assert re.search(r"\[1(,2|-\d+)?\]", body)


def test_a_separate_appendix_numbers_its_entries_as_the_summary_cites_them(
    small_demo: Path, tmp_path: Path
) -> None:
    output = tmp_path / "summary.docx"
    assert report(small_demo, "--period", "2025H2", "--appendix", "separate", "-o", str(output)) == 0
    cited = {int(n) for mark in superscripts(output) for n in re.findall(r"\d+", mark)}
    appendix = Document(str(tmp_path / "summary-appendix.docx"))
    entries = [int(p.text.split(".")[0]) for p in appendix.paragraphs if re.match(r"\d+\. ", p.text)]
    assert entries == list(range(1, len(entries) + 1))
    assert max(cited) == len(entries)


def test_without_an_appendix_the_summary_cites_nothing(small_demo: Path, tmp_path: Path) -> None:
    output = tmp_path / "summary.docx"
    assert report(small_demo, "--period", "2025H2", "--appendix", "none", "-o", str(output)) == 0
    assert APPENDIX_HEADING not in headings(output)
    assert superscripts(output) == []
    assert "附件：数据说明" not in outputs_text(output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.docx"]


@pytest.mark.parametrize("known_at", ["2026-01-05", "2026-01-05T00:00:00", "2026-01-05T00:00:00+08:00"])
def test_report_takes_known_at_in_the_forms_rates_takes(
    small_demo: Path, tmp_path: Path, known_at: str
) -> None:
    output = tmp_path / "then.md"
    assert report(small_demo, "--period", "2025H2", "--known-at", known_at, "-o", str(output)) == 0
    assert "数据截止：2026-01-05T00:00:00+08:00" in output.read_text(encoding="utf-8")


def test_report_names_a_known_at_it_cannot_read(
    small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(small_demo, "--period", "2025H2", "--known-at", "5 Jan", "-o", str(tmp_path / "x.md")) == 2
    assert "--known-at" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_summary_header_names_the_template_in_chinese(small_demo: Path, tmp_path: Path) -> None:
    output = tmp_path / "summary.md"
    assert report(small_demo, "--period", "2025H2", "-o", str(output)) == 0
    text = output.read_text(encoding="utf-8")
    assert "模板：半年工作总结" in text
    assert "half_year" not in text.split("\n\n")[1]


def test_the_demo_writes_one_summary_of_each_kind_in_the_seeds(small_demo: Path) -> None:
    forestry = (small_demo / "forestry_annual-2025.md").read_text(encoding="utf-8")
    assert "零种植：是" in forestry
    assert "--organisation ORG-FORESTRY" in forestry, (
        "the bureau's figures are its own, and the appendix says so"
    )
    township = Document(str(small_demo / "township_half_year-2025H2.docx"))
    text = "\n".join(p.text for p in township.paragraphs)
    assert "禁毒宣传教育和禁种铲毒" in text
    assert "社区戒毒康复工作中心星级评定" in text
    assert "待填写" in text


def test_report_fills_the_places_from_a_text_file_and_lists_them(
    small_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--template", "forestry_annual", "--places"]) == 0
    keys = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert keys[0] == "introduction"
    assert "problems" in keys
    words = tmp_path / "words.yaml"
    words.write_text(
        "problems: |\n  人员紧缺。\n\n  主动性不够。\nplans: 创建“无毒林区”。\n", encoding="utf-8"
    )
    output = tmp_path / "forestry.md"
    db = f"sqlite:///{small_demo / 'antidrug.db'}"
    args = ["report", "--db", db, "--period", "2025", "--division", "522631", "--template", "forestry_annual"]
    assert main([*args, "--organisation", "ORG-FORESTRY", "--text", str(words), "-o", str(output)]) == 0
    written = output.read_text(encoding="utf-8")
    assert "人员紧缺。\n\n主动性不够。" in written
    assert "创建“无毒林区”。" in written
    assert "【待填写：下一步打算】" not in written
    assert "【待填写：依法管林、打击涉毒违法案件的做法】" in written
    words.write_text("plan: 打错的键\n", encoding="utf-8")
    assert main([*args, "--text", str(words), "-o", str(output)]) != 0
    assert "'plan' is not a place of 'forestry_annual'" in capsys.readouterr().err


def test_ratings_lists_the_demos_rated_centres_from_the_store(
    small_demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{small_demo / 'antidrug.db'}"
    assert main(["ratings", "--db", db, "--as-of", "2025-12-31", "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("组织\t区划\t评定细则")
    assert len(lines) > 1
    assert all("社区戒毒康复工作中心" in line for line in lines[1:])
    assert main(["ratings", "--db", db, "--as-of", "2025-01-01"]) == 0
    assert '"ratings": []' in capsys.readouterr().out, "no centre is rated before May"
