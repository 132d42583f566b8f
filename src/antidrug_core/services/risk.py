"""Risk assessment and graded control: rules propose, a person confirms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from antidrug_core.model import (
    ControlLevelSet,
    InvalidInput,
    Permission,
    PersonId,
    RiskAssessed,
    RiskLevel,
)
from antidrug_core.rules import RiskProposal
from antidrug_core.services.unit_of_work import UnitOfWork

__all__ = [
    "PendingAssessment",
    "confirm_risk_assessment",
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

    Raises:
        InvalidInput: naming every unanswered or unknown factor.
        NotFound: the person is not in the actor's divisions.
    """
    uow.file(person)  # the person must exist for this actor
    rules = uow.rules.risk_rules.get(rule_set)
    if rules is None:
        raise InvalidInput.of(
            "rule_set", f"no risk rule set {rule_set!r} (known: {', '.join(uow.rules.risk_rules)})"
        )
    return PendingAssessment(person, on, rules.propose(answers))


def confirm_risk_assessment(
    uow: UnitOfWork, pending: PendingAssessment, level: RiskLevel | None = None
) -> RiskAssessed:
    """Confirm the proposed level (or another, which is then recorded as an override).

    Raises:
        PermissionDenied: the actor's role may not confirm assessments.
    """
    uow.require(Permission.CONFIRM_ASSESSMENT)
    proposal = pending.proposal
    chosen = level or proposal.level
    return uow.add(
        RiskAssessed,
        person=pending.person,
        on=pending.on,
        level=chosen,
        factors=proposal.answers,
        rule_set=proposal.rule_set,
        proposed_level=proposal.level if chosen is not proposal.level else None,
        confirmed_by=uow.actor.id,
    )


def set_control_level(
    uow: UnitOfWork, person: PersonId, level: RiskLevel, on: dt.date, reason: str
) -> ControlLevelSet:
    """Change the control level without a new assessment, saying why."""
    return uow.add(ControlLevelSet, person=person, on=on, level=level, reason=reason)
