"""Places to write: listed by key, filled from Markdown or YAML, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from antidrug_core import Actor, InvalidInput
from antidrug_core.cli import main
from antidrug_core.plugins import make_plugin_manager
from antidrug_core.reports import Paragraph, make_report, report_templates
from antidrug_core.reports.places import fill_places, read_places, template_places
from antidrug_core.store import Store

from .conftest import COUNTY, H2

MARKDOWN = """\
## problems 工作中存在的问题
个别吸毒人员不配合工作，
给管控工作带来困难。

宣传方式较为单一。

## plans
持续深化星级评定创建工作。
"""

YAML = """\
# 上半年总结的文字
problems: |
  个别吸毒人员不配合工作。

  宣传方式较为单一。
plans: "持续深化星级评定创建工作。"
campaign_summary: 利用集镇赶集日设点宣传
"""


def test_a_markdown_file_gives_each_heading_its_paragraphs_joined_as_chinese_prose() -> None:
    texts = read_places(MARKDOWN, markdown=True)
    assert texts == {
        "problems": "个别吸毒人员不配合工作，给管控工作带来困难。\n\n宣传方式较为单一。",
        "plans": "持续深化星级评定创建工作。",
    }


def test_a_yaml_file_gives_block_and_quoted_values() -> None:
    texts = read_places(YAML, markdown=False)
    assert texts["problems"] == "个别吸毒人员不配合工作。\n\n宣传方式较为单一。"
    assert texts["plans"] == "持续深化星级评定创建工作。"
    assert texts["campaign_summary"] == "利用集镇赶集日设点宣传"


@pytest.mark.parametrize(
    ("text", "markdown", "reason"),
    [
        ("引言\n## plans\n计划", True, "before the first heading"),
        ("## plans\n一\n## plans\n二", True, "given twice"),
        ("- plans", False, "is not 'key: text'"),
    ],
)
def test_a_places_file_that_cannot_be_read_says_where(text: str, markdown: bool, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        read_places(text, markdown=markdown)
    assert caught.value.problems[0].row is not None


def test_the_places_of_the_half_year_summary_are_listed_once_each_in_reading_order() -> None:
    template = report_templates(make_plugin_manager()).get("half_year")
    keys = [slot.key for slot in template_places(template)]
    assert keys[0] == "organisation"
    assert keys[-2:] == ["problems", "plans"]
    assert len(keys) == len(set(keys))


def test_filled_places_read_as_written_and_the_rest_stay_marked(county_store: Store) -> None:
    template = report_templates(make_plugin_manager()).get("half_year")
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        report = make_report(uow, "half_year", H2, COUNTY)
    filled = fill_places(report, read_places(MARKDOWN, markdown=True), template)
    paragraphs = [b.plain for s in filled.sections for b in s.blocks if isinstance(b, Paragraph)]
    assert "宣传方式较为单一。" in paragraphs, "a whole-paragraph place keeps its paragraphs"
    assert "持续深化星级评定创建工作。" in paragraphs
    assert not any("待填写：工作中存在的问题" in p for p in paragraphs)
    assert any("待填写：宣传活动场次" in p for p in paragraphs), "a place not in the file stays marked"
    assert list(filled.figures()) == list(report.figures())


def test_a_key_the_template_lacks_is_refused_with_the_places_it_has(county_store: Store) -> None:
    template = report_templates(make_plugin_manager()).get("half_year")
    with county_store.unit_of_work(Actor.local_administrator()) as uow:
        report = make_report(uow, "half_year", H2, COUNTY)
    with pytest.raises(InvalidInput, match=r"'plan' is not a place of 'half_year' \(its places: .*plans"):
        fill_places(report, {"plan": "x"}, template)


def test_the_command_lists_the_places(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--template", "half_year", "--places"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "problems\t工作中存在的问题" in lines


def test_the_command_without_a_period_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", f"sqlite:///{tmp_path}/x.db", "--division", COUNTY, "-o", "x.md"]) != 0
    assert "--period" in capsys.readouterr().err
