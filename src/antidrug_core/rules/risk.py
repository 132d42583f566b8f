"""Risk assessment rules as data: factors, points, thresholds, overriding answers.

Rules *propose* a level with the reasons that decided it; a person confirms
it (PIPL art. 24). The factors are about drug use, health and safety only:
a rule set that names petitions, political activity, ethnicity or religion
is refused when it is built, whoever wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from antidrug_core.model import FactorValue, InvalidInput, NotFound, Problem, RiskAssessed, RiskLevel

__all__ = [
    "NATIONAL_RISK_RULES",
    "Contribution",
    "Factor",
    "Override",
    "RiskProposal",
    "RiskRuleSet",
    "explain_assessment",
]

_FORBIDDEN = re.compile(
    r"petition|politic|ethnic|religio|民族|宗教|信仰|上访|信访|涉访|政治|涉稳",
    re.IGNORECASE,
)
"""Topics no rule may use (DESIGN.md "People's data")."""

_LEVEL_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


def _refuse_forbidden(*texts: str) -> None:
    for text in texts:
        if _FORBIDDEN.search(text):
            raise InvalidInput.of(
                "factors",
                f"{text!r}: risk rules are about drug use, health and safety; petitions, "
                "political activity, ethnicity and religion may not be used",
            )


@attrs.frozen
class Factor:
    """One question of the assessment and the points each answer carries."""

    id: str
    """Stable id, e.g. ``drug_type``."""
    label: str
    """The question as staff read it, e.g. 吸食毒品种类."""
    points: Mapping[str, int]
    """Answer id → points."""
    answer_labels: Mapping[str, str] = attrs.field(factory=dict)
    """Answer id → how staff read it."""

    def __attrs_post_init__(self) -> None:
        _refuse_forbidden(self.id, self.label, *self.points, *self.answer_labels.values())


@attrs.frozen
class Override:
    """An answer that lifts the level to at least ``at_least`` whatever the points say."""

    factor: str
    value: str
    at_least: RiskLevel
    reason: str
    """Shown in the explanation, e.g. 有肇事肇祸风险，不低于高风险."""


@attrs.frozen
class Contribution:
    """What one answer added to the score."""

    factor: str
    label: str
    value: str
    points: int


@attrs.frozen
class RiskProposal:
    """A proposed level and why: not in effect until a person confirms it."""

    level: RiskLevel
    score: int
    contributions: tuple[Contribution, ...]
    decided_by: tuple[str, ...]
    """The sentences that decided the level: the threshold met, and any override."""
    rule_set: str
    """``id@version`` of the rules applied."""
    answers: tuple[FactorValue, ...]

    def explain(self) -> str:
        """The proposal in words, for the person confirming it and for the assessed person."""
        parts = [f"{c.label}：{c.value}（{c.points:+d}）" for c in self.contributions]
        return (
            f"建议等级 {self.level}，得分 {self.score}。"
            + "；".join(parts)
            + "。"
            + " ".join(self.decided_by)
        )


@attrs.frozen(kw_only=True)
class RiskRuleSet:
    """A versioned set of assessment rules."""

    id: str
    version: int
    factors: tuple[Factor, ...]
    high_from: int
    """A score at or above this proposes ``high``."""
    medium_from: int
    """A score at or above this (and below ``high_from``) proposes ``medium``."""
    overrides: tuple[Override, ...] = ()

    def __attrs_post_init__(self) -> None:
        _refuse_forbidden(self.id)
        if self.medium_from > self.high_from:
            raise InvalidInput.of("medium_from", "must not be above high_from")

    @property
    def key(self) -> str:
        """``id@version``, the name recorded with each assessment."""
        return f"{self.id}@{self.version}"

    def propose(self, answers: Mapping[str, str]) -> RiskProposal:
        """Apply the rules to ``answers`` (factor id → answer id).

        Raises:
            InvalidInput: naming every factor left unanswered, answered with an
                unknown answer, or not part of these rules.
        """
        problems: list[Problem] = []
        known = {factor.id for factor in self.factors}
        for extra in sorted(set(answers) - known):
            problems.append(Problem(f"answers.{extra}", f"not a factor of {self.key}"))
        contributions: list[Contribution] = []
        for factor in self.factors:
            value = answers.get(factor.id)
            if value is None:
                problems.append(Problem(f"answers.{factor.id}", f"unanswered ({factor.label})"))
            elif value not in factor.points:
                allowed = ", ".join(factor.points)
                problems.append(Problem(f"answers.{factor.id}", f"{value!r} is not one of: {allowed}"))
            else:
                label = factor.answer_labels.get(value, value)
                contributions.append(Contribution(factor.id, factor.label, label, factor.points[value]))
        if problems:
            raise InvalidInput(problems)
        score = sum(c.points for c in contributions)
        if score >= self.high_from:
            level, decided = RiskLevel.HIGH, [f"得分 {score} ≥ {self.high_from}，为高风险。"]
        elif score >= self.medium_from:
            level, decided = RiskLevel.MEDIUM, [f"得分 {score} ≥ {self.medium_from}，为中风险。"]
        else:
            level, decided = RiskLevel.LOW, [f"得分 {score} < {self.medium_from}，为低风险。"]
        for rule in self.overrides:
            if answers.get(rule.factor) == rule.value and _LEVEL_ORDER[rule.at_least] > _LEVEL_ORDER[level]:
                level = rule.at_least
                decided.append(rule.reason)
        return RiskProposal(
            level=level,
            score=score,
            contributions=tuple(contributions),
            decided_by=tuple(decided),
            rule_set=self.key,
            answers=tuple(FactorValue(f.id, answers[f.id]) for f in self.factors),
        )


NATIONAL_RISK_RULES = RiskRuleSet(
    id="national",
    version=1,
    factors=(
        Factor(
            "drug_type",
            "吸食毒品种类",
            {"synthetic": 3, "opioid": 2, "cannabis": 1, "other": 1},
            {"synthetic": "合成毒品", "opioid": "阿片类", "cannabis": "大麻类", "other": "其他"},
        ),
        Factor(
            "use_degree",
            "吸毒程度",
            {"severe": 3, "dependent": 2, "occasional": 1},
            {"severe": "成瘾严重", "dependent": "依赖", "occasional": "偶吸"},
        ),
        Factor(
            "behaviour",
            "现实表现",
            {"danger_to_others": 4, "uncooperative": 2, "cooperative": 0},
            {
                "danger_to_others": "有肇事肇祸风险或严重精神障碍",
                "uncooperative": "不配合管理",
                "cooperative": "配合管理",
            },
        ),
        Factor(
            "detox_history",
            "戒毒经历",
            {"isolation_repeated": 3, "isolation_once": 2, "community_only": 1, "none": 0},
            {
                "isolation_repeated": "多次强制隔离戒毒",
                "isolation_once": "一次强制隔离戒毒",
                "community_only": "社区戒毒",
                "none": "无",
            },
        ),
        Factor(
            "time_abstinent",
            "戒断时间",
            {"under_1y": 3, "1_to_2y": 2, "2_to_3y": 1, "over_3y": 0},
            {
                "under_1y": "不满一年",
                "1_to_2y": "一至两年",
                "2_to_3y": "两至三年",
                "over_3y": "三年以上",
            },
        ),
        Factor(
            "family",
            "家庭支持",
            {"none": 2, "weak": 1, "supportive": 0},
            {"none": "无家庭支持", "weak": "支持较弱", "supportive": "家庭支持"},
        ),
        Factor(
            "work",
            "就业情况",
            {"unemployed": 2, "unstable": 1, "stable": 0},
            {"unemployed": "无业", "unstable": "就业不稳定", "stable": "稳定就业"},
        ),
    ),
    high_from=12,
    medium_from=7,
    overrides=(
        Override(
            "behaviour",
            "danger_to_others",
            RiskLevel.HIGH,
            "有肇事肇祸风险或严重精神障碍，不低于高风险。",
        ),
    ),
)
"""A default rule set after the national practice; provinces register their own."""


def explain_assessment(assessment: RiskAssessed, versions: Mapping[str, RiskRuleSet]) -> str:
    """Why an assessment has its level: its proposal explained again by the very rule set version
    that made it, then the officer's decision.

    The rule set version is looked up by the ``id@version`` the assessment
    recorded, never the version in force, so an old assessment reads as it
    did when it was confirmed. When that version is no longer registered, the
    explanation kept with the assessment is used.

    Args:
        assessment: The confirmed assessment.
        versions: Every registered rule set by ``id@version`` (``Rules.risk_rule_versions``).

    Raises:
        NotFound: the version is not registered and no explanation was kept
            (an imported assessment without answers).
    """
    rules = versions.get(assessment.rule_set or "")
    if rules is not None and assessment.factors:
        proposal = rules.propose({f.factor: f.value for f in assessment.factors})
        text = proposal.explain()
        proposed = proposal.level
    elif assessment.explanation:
        text = "".join(assessment.explanation)
        proposed = assessment.proposed_level or assessment.level
    else:
        raise NotFound(
            f"assessment {assessment.id!r} cannot be explained: rule set {assessment.rule_set!r} "
            "is not registered and no explanation was kept with it"
        )
    if assessment.level is proposed:
        return f"{text}（{assessment.rule_set}）确认为{assessment.level}。"
    reason = assessment.reason or "未记录理由"
    return f"{text}（{assessment.rule_set}）未采纳建议，确认为{assessment.level}，理由：{reason}。"
