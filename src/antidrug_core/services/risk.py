"""Risk assessment and graded control: rules propose, a person confirms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from antidrug_core.model import (
    ControlLevelSet,
    InvalidInput,
    NotFound,
    Permission,
    PersonId,
    RecordId,
    RiskAssessed,
    RiskLevel,
)
from antidrug_core.rules import RiskProposal, read_level
from antidrug_core.rules.risk import explain_assessment
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import canonical_order, control_level_on, latest_on_or_before

__all__ = [
    "PendingAssessment",
    "confirm_risk_assessment",
    "control_level_as",
    "explain_risk_assessment",
    "propose_risk_level",
    "set_control_level",
]


@attrs.frozen
class PendingAssessment:
    """A proposal waiting for a person's confirmation; nothing is recorded yet."""

    person: PersonId
    on: dt.date
    proposal: RiskProposal


def propose_risk_level(
    uow: UnitOfWork,
    person: PersonId,
    on: dt.date,
    answers: Mapping[str, str],
    rule_set: str = "national",
) -> PendingAssessment:
    """Apply a rule set to the answers and explain the level it proposes.

    ``rule_set`` names a rule set by id (its latest version) or one version
    of it (``national@1``).

    Raises:
        InvalidInput: naming every unanswered or unknown factor.
        NotFound: the person is not in the actor's divisions.
    """
    uow.file(person)  # the person must exist for this actor
    rules = uow.rules.risk_rules.get(rule_set) or uow.rules.risk_rule_versions.get(rule_set)
    if rules is None:
        raise InvalidInput.of(
            "rule_set", f"no risk rule set {rule_set!r} (known: {', '.join(uow.rules.risk_rules)})"
        )
    return PendingAssessment(person, on, rules.propose(answers))


def confirm_risk_assessment(
    uow: UnitOfWork,
    pending: PendingAssessment,
    level: RiskLevel | str | None = None,
    *,
    reason: str | None = None,
    scheme: str | None = None,
) -> RiskAssessed:
    """Confirm the proposed level, or another with the officer's reason (PIPL art. 24).

    The assessment keeps the answers, the rule set's ``id@version``, the
    explanation the officer was shown, the proposed level when another was
    chosen, the reason, and who confirmed it: a complete record of an
    automated proposal and the human decision on it.

    Args:
        level: The level confirmed: a national level, or a mark of a level scheme
            (``"C2"``, ``"红"``; see ``rules.read_level``). None confirms the proposal.
        reason: Why a level other than the proposed one; required then.
        scheme: The scheme ``level`` is written in, when the mark alone is ambiguous.

    Raises:
        PermissionDenied: the actor's role may not confirm assessments.
        InvalidInput: an unknown level or mark, or another level without a reason.
    """
    uow.require(Permission.CONFIRM_ASSESSMENT)
    proposal = pending.proposal
    chosen, mark = (
        (proposal.level, None) if level is None else read_level(uow.rules.level_schemes, level, scheme)
    )
    overridden = chosen is not proposal.level
    reason = reason.strip() if reason and reason.strip() else None
    if overridden and reason is None:
        raise InvalidInput.of(
            "reason",
            f"the rules proposed {proposal.level}; confirming {chosen} instead needs the officer's reason",
        )
    return uow.add(
        RiskAssessed,
        person=pending.person,
        on=pending.on,
        level=chosen,
        factors=proposal.answers,
        rule_set=proposal.rule_set,
        proposed_level=proposal.level if overridden else None,
        confirmed_by=uow.actor.id,
        reason=reason,
        explanation=(proposal.explain(),),
        mark=mark,
    )


def set_control_level(
    uow: UnitOfWork,
    person: PersonId,
    level: RiskLevel | str,
    on: dt.date,
    reason: str,
    *,
    scheme: str | None = None,
) -> ControlLevelSet:
    """Change the control level without a new assessment, saying why.

    Args:
        level: A national level, or a mark of a level scheme (``"C2"``, ``"红"``),
            kept as written so it reads back the same (``control_level_as``).
        scheme: The scheme ``level`` is written in, when the mark alone is ambiguous.
    """
    national, mark = read_level(uow.rules.level_schemes, level, scheme)
    return uow.add(ControlLevelSet, person=person, on=on, level=national, reason=reason, mark=mark)


def control_level_as(uow: UnitOfWork, person: PersonId, on: dt.date, scheme: str) -> str | None:
    """The control level in effect on ``on`` as ``scheme`` writes it, or None when none is.

    The mark the officer chose comes back when it was written in this scheme
    (C2 stays C2); otherwise the scheme's mark for the national level.

    Raises:
        InvalidInput: no such scheme.
    """
    schemes = uow.rules.level_schemes
    if scheme not in schemes:
        raise InvalidInput.of("scheme", f"no level scheme {scheme!r} (known: {', '.join(schemes)})")
    file = uow.file(person)
    level = control_level_on(file, on)
    if level is None:
        return None
    setters: list[RiskAssessed | ControlLevelSet] = sorted(
        (*file.of_type(RiskAssessed), *file.of_type(ControlLevelSet)), key=canonical_order
    )
    latest = latest_on_or_before(setters, on)
    return schemes[scheme].mark_for(level, latest.mark if latest else None)


def explain_risk_assessment(uow: UnitOfWork, person: PersonId, assessment: RecordId) -> str:
    """Why an assessment has its level, explained by the rule set version that proposed it.

    Raises:
        NotFound: no such assessment of the person, or it cannot be explained
            (see ``rules.risk.explain_assessment``).
    """
    record = uow.file(person).get(assessment)
    if not isinstance(record, RiskAssessed):
        raise NotFound(f"no risk assessment {assessment!r} of this person")
    return explain_assessment(record, uow.rules.risk_rule_versions)
