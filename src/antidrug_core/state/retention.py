"""When a person's identity is due for erasure, as of a date: the retention rules applied to their records.

Pure: the anchor of each rule is derived from the file with ``status_on``,
so a relapse after the abstinence ends its period, and a status changed
again (a death recorded in error and corrected) ends it too. What the
store does with a due identity is ``services.retention``'s.
"""

from __future__ import annotations

import datetime as dt

import attrs

from antidrug_core.model import Status, StatusChanged
from antidrug_core.rules.retention import RetentionAnchor, RetentionRule, RetentionRules
from antidrug_core.rules.test_schedule import add_months
from antidrug_core.state.person_file import PersonFile, latest_on_or_before
from antidrug_core.state.status import status_on

__all__ = ["RetentionDue", "anchor_on", "retention_due"]


@attrs.frozen
class RetentionDue:
    """A rule whose period runs for a person: from when, until when."""

    rule: RetentionRule
    anchored: dt.date
    """The date of the anchor event."""
    due: dt.date
    """The first day the identity may be erased: ``anchored`` plus the rule's years."""

    def is_due(self, as_of: dt.date) -> bool:
        """Whether the period has run out on ``as_of``."""
        return self.due <= as_of


_STATUS_OF = {RetentionAnchor.DECEASED: Status.DECEASED, RetentionAnchor.ABSTINENT_3Y: Status.ABSTINENT_3Y}


def anchor_on(file: PersonFile, anchor: RetentionAnchor, as_of: dt.date) -> dt.date | None:
    """The date of ``anchor`` for this person as of ``as_of``, or None when it does not hold then."""
    status = _STATUS_OF[anchor]
    if status_on(file, as_of) is not status:
        return None
    change = latest_on_or_before(file.of_type(StatusChanged), as_of)
    return None if change is None else change.on


def retention_due(file: PersonFile, rules: RetentionRules, as_of: dt.date) -> RetentionDue | None:
    """The rule that makes the identity due soonest as of ``as_of``, with its dates; None when no
    rule's anchor holds (the identity is kept)."""
    found: RetentionDue | None = None
    for rule in rules.rules:
        anchored = anchor_on(file, rule.anchor, as_of)
        if anchored is None:
            continue
        due = add_months(anchored, 12 * rule.years)
        if found is None or due < found.due:
            found = RetentionDue(rule, anchored, due)
    return found
