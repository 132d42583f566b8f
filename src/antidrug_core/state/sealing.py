"""Whether a person's file is sealed (封存) on a date, from its records and the sealing rule.

A file is sealed by rule ``rule.years`` after a status change to
``rule.after`` (戒断三年未复吸 by default) when that change is still in
force on the seal date and no relapse came between: a relapse, or any other
status change, before the seal date means no seal by rule. A file is also
sealed by decision (``FileSealed``) and opened again by decision
(``FileUnsealed``). Of everything that happened on or before the day, the
last decides; on one date a decision comes after the rule, so a decision
to unseal on the very day the rule would seal keeps the file open.

After the seal, nothing reopens a file by itself: a relapse found later is
recorded by someone who may read the sealed file, and unsealing it is that
person's decision, on the record. Sealing decides who sees a file, never
what a figure is: every derivation of figures ignores it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from antidrug_core.model import FileSealed, FileUnsealed, Record, StatusChanged
from antidrug_core.rules.sealing import SealingRule
from antidrug_core.state.person_file import PersonFile, canonical_order, latest_on_or_before
from antidrug_core.state.status import relapses

__all__ = ["Seal", "add_years", "could_be_sealed", "seal_on"]


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved on by whole years; 29 February moves to 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


@attrs.frozen
class Seal:
    """Why a file is sealed on a date."""

    since: dt.date
    """The date it was sealed."""
    by: Record
    """The decision (``FileSealed``) or, for a seal by rule, the status change the years ran from."""
    basis: str
    """The legal basis: the decision's, or the rule's."""

    @property
    def by_rule(self) -> bool:
        """Whether the rule sealed it (rather than a decision)."""
        return not isinstance(self.by, FileSealed)


def could_be_sealed(records: Iterable[Record], rule: SealingRule) -> bool:
    """Whether ``records`` hold anything that can seal a file: a cheap test before ``seal_on``.

    Most files hold neither a seal decision nor the status the rule counts
    from, and need not be folded to know they are open.
    """
    for record in records:
        if isinstance(record, FileSealed):
            return True
        if rule.years is not None and isinstance(record, StatusChanged) and record.status is rule.after:
            return True
    return False


def _by_rule(file: PersonFile, rule: SealingRule, day: dt.date) -> list[tuple[dt.date, Record]]:
    if rule.years is None:
        return []
    changes = file.of_type(StatusChanged)
    found: list[tuple[dt.date, Record]] = []
    for change in changes:
        if change.status is not rule.after:
            continue
        sealed = add_years(change.on, rule.years)
        if sealed > day or latest_on_or_before(changes, sealed) is not change:
            continue
        if any(change.on <= relapse.on <= sealed for relapse in relapses(file)):
            continue
        found.append((sealed, change))
    return found


def seal_on(file: PersonFile, rule: SealingRule, day: dt.date) -> Seal | None:
    """The seal in force on ``day``, or None when the file is open then.

    Args:
        file: The person's file; build it from every record known now (sealing is about who may
            read the file now, whatever date a figure is computed as known at).
        rule: The sealing rule in force (``Rules.sealing``).
        day: The date asked about, usually today.
    """
    events: list[tuple[dt.date, int, tuple[dt.date, dt.datetime, str], Record]] = [
        (sealed, 0, canonical_order(change), change) for sealed, change in _by_rule(file, rule, day)
    ]
    for decision in (*file.of_type(FileSealed), *file.of_type(FileUnsealed)):
        if decision.on <= day:
            events.append((decision.on, 1, canonical_order(decision), decision))
    if not events:
        return None
    since, _, _, last = max(events, key=lambda event: event[:3])
    if isinstance(last, FileUnsealed):
        return None
    basis = last.basis if isinstance(last, FileSealed) else rule.basis
    return Seal(since, last, basis)
