"""The library's template pack: the summaries a township or street office hands in.

Their structure follows the 2023 work summaries (``shared/reference``):
organisation, the people under management, dynamic control in the order
of 发现一个、核查一个、评估一个、管控一个、帮扶一个 (verification,
assessment, tiered control, care), tests, the app, lost contact (清零),
publicity, problems and next steps. Every number comes from the indicator
catalogue; everything a person must say (organisation, publicity figures
the library holds no records for, problems, plans) is a field to fill.
"""

from __future__ import annotations

from antidrug_core.reports import (
    ChartTemplate,
    NamedListTemplate,
    ParagraphTemplate,
    ReportTemplate,
    SectionTemplate,
    TableTemplate,
)

__all__ = ["annual_template", "half_year_template", "template_pack"]

CONTROL_RATES = ("face_check_rate", "risk_assessment_rate", "tiered_control_rate", "care_rate")
"""The four rates of dynamic control, in the order the summaries give them."""
COMPARED_RATES = (*CONTROL_RATES, "urine_test_rate", "app_install_rate", "app_login_rate")
"""The rates compared with the previous period."""


def _people() -> SectionTemplate:
    return SectionTemplate(
        "二、基本情况",
        [
            "截至{end}，{division}共有在管吸毒人员{managed}，其中一般在册{managed_registered}、"
            "社区戒毒{managed_community_detox}、社区康复{managed_community_rehab}、"
            "药物维持治疗{managed_maintenance_treatment}；戒断三年未复吸{abstinent_3y}。",
            "{period}新发现登记吸毒人员{newly_registered}；按照“户籍地为主、居住地为辅，双向管控、双向追责”的原则"
            "落实异地管控，接收转入{transfers_in}，移交转出{transfers_out}。",
        ],
    )


def _control(previous_word: str) -> SectionTemplate:
    return SectionTemplate(
        "三、加强动态管控，落实帮教措施",
        [
            "对吸毒人员常态化落实“发现一个、核查一个、评估一个、管控一个、帮扶一个”。",
            "一是见面核查率{face_check_rate}。应核查{face_check_rate.denominator}，已通过上门走访、视频通话等方式"
            f"见面核查{{face_check_rate.numerator}}，较{previous_word}{{face_check_rate.change}}。",
            ParagraphTemplate(
                "对持有机动车驾驶证的吸毒人员逐人告诫，并通报交管部门：截至{end}已发现持证人员"
                "{licence_notified_rate.denominator}，已通报{licence_notified_rate.numerator}，"
                "通报率{licence_notified_rate}。",
                when="licence_notified_rate",
                otherwise="截至{end}未发现持有机动车驾驶证的吸毒人员。",
            ),
            "二是风险评估率{risk_assessment_rate}。已评估{risk_assessment_rate.numerator}，"
            f"较{previous_word}{{risk_assessment_rate.change}}。",
            "三是分级分类率{tiered_control_rate}。截至{end}已落实管控等级{tiered_control_rate.numerator}，"
            "未落实{tiered_control_rate.shortfall}。",
            "四是关爱帮扶率{care_rate}。已落实职业指导、心理疏导、社会保障等帮扶{care_rate.numerator}，"
            f"较{previous_word}{{care_rate.change}}。",
            TableTemplate(CONTROL_RATES, "{period}动态管控各项比率"),
            ChartTemplate("by_division", CONTROL_RATES, "{period}动态管控各项比率（按区划）"),
            ChartTemplate("change", COMPARED_RATES, "主要比率与{previous}对比"),
        ],
    )


def _tests() -> SectionTemplate:
    return SectionTemplate(
        "四、检测工作",
        [
            ParagraphTemplate(
                "截至{end}，应做尿检{urine_test_rate.denominator}，实做{urine_test_rate.numerator}，"
                "尿检率{urine_test_rate}。",
                when="urine_test_rate",
                otherwise="{period}无应做尿检人员。",
            ),
            ParagraphTemplate(
                "应做毛发检测{hair_test_rate.denominator}，实做{hair_test_rate.numerator}，"
                "{hair_test_rate.shortfall}未做毛发检测，毛发检测率{hair_test_rate}。",
                when="hair_test_rate",
                otherwise="{period}无应做毛发检测人员。",
            ),
            "{period}到期应检尿检{urine_tests_due}、毛发检测{hair_tests_due}，实做尿检{urine_tests_done}、"
            "毛发检测{hair_tests_done}，检测按期完成率{test_adherence}。",
            ParagraphTemplate(
                "检测结果阳性{positive_tests}。",
                when="positive_tests",
                otherwise="{period}检测未发现阳性。",
            ),
        ],
    )


def _app_and_contact() -> list[SectionTemplate]:
    return [
        SectionTemplate(
            "五、禁毒APP使用",
            [
                "截至{end}，APP安装率{app_install_rate}；已安装的{app_login_rate.denominator}中，"
                "{period}登录{app_login_rate.numerator}，登录率{app_login_rate}。",
            ],
        ),
        SectionTemplate(
            "六、脱失人员查找（“清零”）",
            [
                ParagraphTemplate(
                    "{period}共有脱失人员{lost_contact_found_rate.denominator}，已查找到"
                    "{lost_contact_found_rate.numerator}，查找率{lost_contact_found_rate}；截至{end}仍脱失"
                    "{lost_contact_at_end}。",
                    when="lost_contact_found_rate",
                    otherwise="{period}无脱失人员。",
                ),
                NamedListTemplate("lost_contact_at_end", "initial_population", "截至{end}仍脱失人员名单"),
            ],
        ),
    ]


def _publicity() -> SectionTemplate:
    return SectionTemplate(
        "七、禁毒宣传教育",
        [
            "{period}开展禁毒宣传活动{fill:campaign_sessions 宣传活动场次}，发放宣传品"
            "{fill:campaign_materials 宣传品份数}，覆盖群众{fill:campaign_reach 覆盖人次}；"
            "{fill:campaign_summary 宣传教育的主要做法（重要节点、“六进”等）}",
        ],
    )


def half_year_template() -> ReportTemplate:
    """``half_year``: a township's or street office's half-year summary, with the next half's plan."""
    return ReportTemplate(
        name="half_year",
        name_zh="半年工作总结",
        title="{division}{period}禁毒工作总结及{next}工作计划",
        description="乡镇（街道）半年禁毒工作总结，附下半年（下一期）工作计划",
        sections=[
            SectionTemplate("", ["现将{division}{period}禁毒工作情况总结如下。"]),
            SectionTemplate(
                "一、组织领导",
                [
                    "{fill:organisation 组织领导、队伍建设和工作机制"
                    "（领导小组、禁毒专干和社工配备、信息互通等）}"
                ],
            ),
            _people(),
            _control("上期"),
            _tests(),
            *_app_and_contact(),
            _publicity(),
            SectionTemplate("八、存在的问题", ["{fill:problems 工作中存在的问题}"]),
            SectionTemplate("九、{next}工作计划", ["{fill:plans 下一步工作计划}"]),
        ],
    )


def annual_template() -> ReportTemplate:
    """``annual``: a township's or street office's annual summary, with next year's plans."""
    return ReportTemplate(
        name="annual",
        name_zh="年度工作总结",
        title="{division}{period}禁毒工作总结",
        description="乡镇（街道）年度禁毒工作总结，附下一年工作打算",
        sections=[
            SectionTemplate("", ["现将{division}{period}禁毒工作总结如下。"]),
            SectionTemplate(
                "一、组织领导",
                ["{fill:organisation 组织领导、队伍建设和工作机制（领导小组、目标责任书、经费保障等）}"],
            ),
            _people(),
            _control("上年"),
            _tests(),
            *_app_and_contact(),
            _publicity(),
            SectionTemplate("八、存在的问题", ["{fill:problems 工作中存在的问题}"]),
            SectionTemplate("九、{next}工作打算", ["{fill:plans 下一步工作打算}"]),
        ],
    )


def template_pack() -> list[ReportTemplate]:
    """Every template the library ships: the two summaries of people, and the four of the seeds' work logs."""
    from antidrug_reports.summaries import prevention_templates  # it builds on half_year_template above

    return [half_year_template(), annual_template(), *prevention_templates()]
