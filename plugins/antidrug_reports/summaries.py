"""The summaries of the seeds as templates: street office, township half year, forestry, emergency management.

Each follows one of the 2023 work summaries in ``shared/reference`` and
puts a figure from the records where that summary has ``xx``: the leading
group, the volunteers (近xx人), the activities and their reach (xx场次,
xxxx份, 逾万人次), banners, posters and publicity vehicles (幅, 张次, 台次),
the rangers who surveyed land for drug plants (xxxx名, 为期xx天) and 零种植,
letters, funding and the star rating; and, where a summary speaks of
activities on key dates, charts of the activities and their reach by key
date and by channel. What no record can say (the
narrative, problems, plans; the chemical figures while their catalogue
entries are not there) is a place to write, filled with ``--text`` or left
marked 【待填写】, never invented.
"""

from __future__ import annotations

from antidrug_core.reports import ChartTemplate, ParagraphTemplate, ReportTemplate, SectionTemplate
from antidrug_reports.pack import half_year_template

__all__ = [
    "emergency_annual_template",
    "forestry_annual_template",
    "prevention_templates",
    "street_annual_template",
    "township_half_year_template",
]


def _leading_group(otherwise: str) -> ParagraphTemplate:
    return ParagraphTemplate(
        "{period}已成立禁毒工作领导小组{leading_groups 个}，"
        "明确组长、副组长和成员，下设办公室，确定专人负责禁毒工作，"
        "做到组织、思想和行动上的高度统一。",
        when="leading_groups",
        otherwise=otherwise,
    )


_CHANNELS_NOTE = "一次活动经多个渠道开展的，在每个渠道各计一次，各渠道之和可大于合计"


def _activity_charts() -> list[ChartTemplate]:
    """The activities and their reach by key date and by channel: a bar per key date (a host's own
    too) and for the other days, a bar per channel, each bar a figure traced in the appendix."""
    return [
        ChartTemplate(
            "breakdown", ["activities"], "{period}宣传活动场次（按重要节点）", "场次", by="key_date"
        ),
        ChartTemplate(
            "breakdown", ["activity_reach"], "{period}宣传覆盖人次（按重要节点）", "人次", by="key_date"
        ),
        ChartTemplate(
            "breakdown",
            ["activities"],
            "{period}宣传活动场次（按宣传渠道）",
            "场次",
            by="channels",
            note=_CHANNELS_NOTE,
        ),
        ChartTemplate(
            "breakdown",
            ["activity_reach"],
            "{period}宣传覆盖人次（按宣传渠道）",
            "人次",
            by="channels",
            note=_CHANNELS_NOTE,
        ),
    ]


def _chemicals(title: str) -> SectionTemplate:
    # Seed 5's 实物与台账相符 and its inspections, findings and rectification, all from the units' records.
    return SectionTemplate(
        title,
        [
            "目前，辖区内共有非药品类易制毒化学品生产、经营、使用单位{precursor_units 家}，"
            "有效的许可或备案证明{licences_in_force 份}。"
            "{period}开展易制毒化学品检查{precursor_inspections 次}，检查率{precursor_inspection_rate}，"
            "发现问题{precursor_findings 个}，按期整改率{rectification_rate}，"
            "逾期未整改{rectifications_overdue 项}；实物与台账相符率{ledger_match_rate}；"
            "报告流失、被盗等案件{precursor_incidents 起}。",
            "{fill:precursor_narrative 易制毒化学品监管的主要做法}",
        ],
    )


def street_annual_template() -> ReportTemplate:
    """``street_annual``: a street office's annual summary (seed 1, 总工会…街道)."""
    return ReportTemplate(
        name="street_annual",
        name_zh="街道年度禁毒工作总结",
        title="{division}{period}禁毒工作总结",
        description="街道年度禁毒工作总结：组织、义工队伍、重要节点宣传及其覆盖、易制毒化学品",
        sections=[
            SectionTemplate("", ["{fill:introduction 总体情况（工作思路、“五个强化”等）}"]),
            SectionTemplate(
                "一、组织强有力，明确各方责任",
                [
                    _leading_group("{fill:leading_group 领导小组及实施方案}"),
                    ParagraphTemplate(
                        "通过“培训＋实战＋分享”的方式，培育了一支{volunteers 人 近}的禁毒义工队伍；"
                        "{period}开展义工培训{trainings 场次}，培训{training_participants 人次}。",
                        when="volunteers",
                        otherwise="{fill:volunteers_text 禁毒义工队伍建设情况}",
                    ),
                    "{fill:information_exchange 四级信息互通制度（戒毒人员-禁毒社工-禁毒专干-社区民警）}",
                ],
            ),
            SectionTemplate(
                "二、创新宣传形式，丰富活动内涵",
                [
                    "在重要节点开展禁毒宣传活动{key_date_activities 场次}，"
                    "“六进”覆盖{six_entries_covered 个}渠道。",
                    "截至{end}，"
                    "{division}已开展特色宣传活动{activities 场次}，发放宣传品{materials_distributed 份}，"
                    "覆盖企业员工、社区群众、中小学生等人群{activity_reach 人次 逾}。",
                    ChartTemplate(
                        "by_division",
                        ["activities", "key_date_activities"],
                        "{period}宣传活动场次（按乡镇街道）",
                        "场次",
                    ),
                    *_activity_charts(),
                    "{fill:publicity_narrative 宣传活动的主要做法和成效}",
                ],
            ),
            _chemicals("三、易制毒化学品管理"),
            SectionTemplate("四、存在的问题", ["{fill:problems 工作中存在的问题}"]),
            SectionTemplate("五、{next}工作打算", ["{fill:plans 下一步工作打算}"]),
        ],
    )


def township_half_year_template() -> ReportTemplate:
    """``township_half_year``: a township's half-year summary (seeds 2 and 3) with its work log's figures.

    The existing ``half_year`` summary, its publicity filled from activities,
    and the surveys and the star rating of the rehabilitation centre added.
    """
    base = half_year_template()
    sections = []
    for section in base.sections:
        if section.heading.startswith("七、"):
            sections.append(
                SectionTemplate(
                    "七、禁毒宣传教育和禁种铲毒",
                    [
                        "{period}开展禁毒宣传活动{activities 场次}，"
                        "其中重要节点活动{key_date_activities 场次}，"
                        "发放宣传品{materials_distributed 份}，覆盖群众{activity_reach 人次}；"
                        "“六进”覆盖{six_entries_covered 个}渠道。",
                        ParagraphTemplate(
                            "开展禁种铲毒踏查{surveys 次}，出动{survey_personnel 人次}，踏查面积"
                            "{area_surveyed_mu 亩}；"
                            "{period}发现非法种植{plants_found 株}，未铲除{plants_not_destroyed 株}，"
                            "零种植：{zero_cultivation}。",
                            when="surveys",
                            otherwise="{period}未开展禁种铲毒踏查。",
                        ),
                        ChartTemplate(
                            "by_division",
                            ["activities", "key_date_activities"],
                            "{period}宣传活动场次（按乡镇街道）",
                            "场次",
                        ),
                        *_activity_charts(),
                        ChartTemplate(
                            "by_division",
                            ["area_surveyed_mu"],
                            "{period}禁种铲毒踏查面积（按乡镇街道）",
                            "亩",
                        ),
                        "{fill:campaign_summary 宣传教育的主要做法（集镇赶集日、村村通广播、禁毒第一课等）}",
                    ],
                )
            )
            sections.append(
                SectionTemplate(
                    "八、社区戒毒康复工作中心星级评定",
                    [
                        ParagraphTemplate(
                            "按照“三区一室”规范化建设标准，"
                            "截至{end}已有{centres_rated 个}社区戒毒康复工作中心"
                            "完成星级评定（评定结果见 antidrug ratings）。",
                            when="centres_rated",
                            otherwise="截至{end}尚无完成星级评定的社区戒毒康复工作中心。",
                        ),
                        "{fill:rating_narrative 组织领导、基础配套、队伍建设、工作机制的落实情况}",
                    ],
                )
            )
        elif section.heading.startswith("八、"):
            sections.append(SectionTemplate("九、存在的问题", list(section.blocks)))
        elif section.heading.startswith("九、"):
            sections.append(SectionTemplate("十、{next}工作计划", list(section.blocks)))
        else:
            sections.append(section)
    return ReportTemplate(
        name="township_half_year",
        name_zh="乡镇半年禁毒工作总结",
        title=base.title,
        description="乡镇半年禁毒工作总结：各项比率、检测、APP，宣传活动、禁种铲毒踏查和星级评定",
        sections=sections,
    )


def forestry_annual_template() -> ReportTemplate:
    """``forestry_annual``: a forestry bureau's annual summary (seed 4): 零种植、零产量."""
    return ReportTemplate(
        name="forestry_annual",
        name_zh="林业局年度禁毒工作总结",
        title="{period}禁毒工作总结的报告",
        description="林业（林草）局年度禁毒工作总结：组织、责任书、经费、宣传、禁种铲毒踏查和零种植",
        sections=[
            SectionTemplate("", ["{fill:introduction 总体情况（方针、“零种植、零产量”目标）}"]),
            SectionTemplate(
                "一、工作开展情况",
                [
                    _leading_group("{fill:leading_group 禁毒领导小组的组成}"),
                    ParagraphTemplate(
                        "健全责任包抓机制，与局属各站股室、场、圃签订目标责任书{responsibility_letters 份}。",
                        when="responsibility_letters",
                        otherwise="{fill:responsibility 责任包抓机制}",
                    ),
                    ParagraphTemplate(
                        "加强基层禁毒工作的经费保障，{period}落实禁毒工作经费{funding_yuan 元}"
                        "（主要用于印发宣传资料、制作禁毒标语等）。",
                        when="funding_yuan",
                        otherwise="{fill:funding 经费保障情况}",
                    ),
                    "充分发动护林员、草管员和干部职工共同参与禁毒工作，共悬挂固定标语{banners_hung 幅}，"
                    "张贴禁毒宣传挂画{posters_put_up 张次 余}；发放宣传资料{materials_distributed 份 近}，"
                    "出动活动宣传车{vehicle_trips 台次 余}。",
                    "以重要节点为重点时段开展宣传活动{key_date_activities 场次}。",
                    *_activity_charts(),
                    ParagraphTemplate(
                        "深入林区开展禁种铲毒专项行动："
                        "{period}开展踏查{surveys 次}，为期{survey_days 天}，组织"
                        "{survey_personnel 名}护林员、草管员和干部实地踏查，踏查面积{area_surveyed_mu 亩}；"
                        "发现非法种植{plants_found 株}，"
                        "未铲除{plants_not_destroyed 株}。毒品原植物零种植：{zero_cultivation}。",
                        when="surveys",
                        otherwise="{period}未开展禁种铲毒踏查。",
                    ),
                    ChartTemplate(
                        "by_division", ["area_surveyed_mu"], "{period}禁种铲毒踏查面积（按乡镇街道）", "亩"
                    ),
                    ChartTemplate(
                        "by_division",
                        ["survey_personnel"],
                        "{period}禁种铲毒踏查出动人次（按乡镇街道）",
                        "人次",
                    ),
                    "{fill:enforcement 依法管林、打击涉毒违法案件的做法}",
                ],
            ),
            SectionTemplate("二、存在的问题", ["{fill:problems 存在的困难和问题}"]),
            SectionTemplate("三、下一步打算", ["{fill:plans 下一步打算}"]),
        ],
    )


def emergency_annual_template() -> ReportTemplate:
    """``emergency_annual``: an emergency-management bureau's annual summary (seed 5)."""
    return ReportTemplate(
        name="emergency_annual",
        name_zh="应急管理局年度禁毒工作总结",
        title="{period}禁毒工作总结",
        description="应急管理局年度禁毒工作总结：组织、禁毒承诺书、重要节点宣传、非药品类易制毒化学品监管",
        sections=[
            SectionTemplate("", ["{fill:introduction 总体情况}"]),
            SectionTemplate(
                "一、提高政治站位，认清禁毒工作重要意义",
                [
                    _leading_group("{fill:leading_group 禁毒工作责任制和领导小组}"),
                    "{period}召开禁毒工作会议{meetings 次}。",
                ],
            ),
            SectionTemplate(
                "二、深入开展“无毒单位”创建活动",
                [
                    ParagraphTemplate(
                        "面向干部职工签订禁毒承诺书{commitment_letters 份}。",
                        when="commitment_letters",
                        otherwise="{fill:commitments 禁毒承诺书签订情况}",
                    ),
                    "{fill:drug_free_unit “无毒单位”创建的做法}",
                ],
            ),
            SectionTemplate(
                "三、深入开展禁毒宣传教育",
                [
                    "紧紧抓住重要时间节点开展禁毒宣传活动{key_date_activities 场次}，"
                    "{period}共开展宣传活动{activities 场次}，"
                    "发放宣传册{materials_distributed 份}，"
                    "设置标语{banners_hung 幅}，覆盖{activity_reach 人次}。",
                    *_activity_charts(),
                    "{fill:publicity_narrative 宣传教育的主要做法}",
                ],
            ),
            _chemicals("四、加强非药品类易制毒化学品监管"),
            SectionTemplate("五、存在的问题及下一步工作打算", ["{fill:plans 存在的问题及下一步工作打算}"]),
        ],
    )


def prevention_templates() -> list[ReportTemplate]:
    """The four summaries of the seeds built on the organisations' work logs."""
    return [
        street_annual_template(),
        township_half_year_template(),
        forestry_annual_template(),
        emergency_annual_template(),
    ]
