"""Evidence: for any result, who is in each population, and why.

For one definition, every person, unit or organisation (or item drawn from
their records) attributed to a division is a *subject* of the evidence. A
subject lists the populations it is in and, per criterion that was asked of
it, whether it was met and the records that made it so — or, when it was not,
the records that came close: dated outside the period, of another kind,
voided, or recorded after ``known_at``. "Why is this person not in the
numerator?" has an answer, and so has "which activities make up this sum?": an
item of a sum names the amount it adds.

Membership comes from the reference evaluator's own ``membership``; the
verdicts here only explain it, and a test holds every verdict to the
evaluator's answer. Person ids are pseudonymous; an identity appears only when
the caller passes a way to look one up (masked, for actors that may see
identities).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction

import attrs

from antidrug_core.indicators._fields import field_texts, matches
from antidrug_core.indicators.criteria import (
    AllOf,
    AnyOf,
    CountsMatch,
    Criterion,
    DueExcused,
    EveryDueExcused,
    FollowedBy,
    FulfilledInWindow,
    HasRecord,
    InLostContact,
    InScope,
    ItemField,
    Not,
    ReferencedBy,
    StatusIn,
    SubjectIn,
    When,
)
from antidrug_core.indicators.definitions import POPULATIONS, Basis, IndicatorDefinition
from antidrug_core.indicators.facts import PersonFacts, SubjectFacts, facts_for
from antidrug_core.indicators.numbers import exact_text
from antidrug_core.indicators.reference import (
    Counts,
    _due,
    _item,
    _person,
    _unit_or_organisation,
    contribution,
    counts_in,
    followers,
    holds,
    items_of,
    membership,
    period_counts,
    population_labels,
    referencing,
    result_from_counts,
)
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult, View
from antidrug_core.model import (
    ContactRestored,
    DivisionCode,
    DivisionTree,
    LostContact,
    OrganisationChanged,
    OrganisationClosed,
    OrganisationRegistered,
    PersonId,
    Record,
    RecordId,
    StatusChanged,
    SubjectId,
    SubjectKind,
    TestDue,
    UnitChanged,
    UnitClosed,
    UnitRegistered,
)
from antidrug_core.model.chemicals import plain_decimal
from antidrug_core.rules.policy import Policy, Responsibility
from antidrug_core.state import (
    PersonFile,
    UnitState,
    accepted_transfer_on,
    build_file,
    latest_on_or_before,
    places_on,
    relapse_ending,
    status_on,
)

__all__ = [
    "Check",
    "Explanation",
    "RecordRef",
    "Subject",
    "Verdict",
    "explain_histories",
    "verdict",
]

IdentityLookup = Callable[[PersonId], str | None]
"""Gives a person's masked identity (``张* 110105********1234``), or None."""

Withheld = Callable[[SubjectId, Sequence[Record]], bool]
"""Says whether a subject's file, from all its records, is sealed (封存): counted, never named."""


@attrs.frozen
class RecordRef:
    """A record named as evidence, with what it meant for the criterion."""

    id: RecordId
    type: str
    on: dt.date
    note: str
    """``counts``, or why it did not (``dated 2023-07-02, after the period``, ``voided by r8`` …)."""


@attrs.frozen
class Verdict:
    """A criterion's answer for one subject, and why."""

    met: bool
    because: str
    records: tuple[RecordRef, ...] = ()


@attrs.frozen
class Check:
    """One criterion asked of a subject, for one population."""

    population: str
    """The population whose criterion it is (``numerator`` …)."""
    criterion: str
    """The criterion's ``op``."""
    met: bool
    because: str
    records: tuple[RecordRef, ...]


@attrs.frozen
class Subject:
    """A person, unit or organisation (or, for an event-based definition, an item of one) and its
    evidence."""

    key: str
    """What the population lists name: the subject's id, or the item's record id."""
    subject: SubjectId
    """The person's, unit's or organisation's id."""
    item: RecordRef | None
    identity: str | None
    """Masked identity, only for callers that may see identities."""
    division: DivisionCode
    """Where it counts directly (before adding up the tree)."""
    attribution: str
    """Why it counts there."""
    populations: tuple[str, ...]
    checks: tuple[Check, ...]
    kind: SubjectKind = SubjectKind.PERSON
    """Which kind of subject ``subject`` names."""
    adds: str | None = None
    """What an item of N − NX adds to a sum (its field's value, exact) or to a distinct count
    (the values it brings, comma-separated); None otherwise."""

    @property
    def person(self) -> PersonId:
        """The subject's id (the name evidence about people has always used)."""
        return self.subject


@attrs.frozen
class Explanation:
    """The evidence behind one result."""

    result: IndicatorResult
    definition: IndicatorDefinition
    populations: Mapping[str, tuple[str, ...]]
    """Each population label and the subject keys in it, sorted."""
    subjects: tuple[Subject, ...]
    """Every subject attributed to the division (and below), those outside IP included, by key."""
    values: tuple[str, ...] = ()
    """For a count of distinct values: the values counted (``subject:value`` when told apart per
    subject), sorted; those only sealed files bring are left out (``sealed_values``)."""
    sealed: Mapping[str, int] = attrs.field(factory=dict)
    """Per population label, how many of its keys are sealed files (or their items): counted in
    the result, named nowhere. Empty when none is."""
    sealed_values: int = 0
    """For a count of distinct values: how many only sealed files bring."""


# --- records that were not there ------------------------------------------------------------


@attrs.frozen
class _Context:
    """The facts of one person, with the records the file leaves out (for "why not")."""

    facts: SubjectFacts
    voided: tuple[Record, ...]
    """Known records that a known void takes out."""
    unrecorded: tuple[Record, ...]
    """Records recorded after ``known_at``."""

    @classmethod
    def of(cls, facts: SubjectFacts, raw: Sequence[Record]) -> _Context:
        known_at = facts.file.known_at
        voided_by = facts.file.voided_by
        unrecorded = tuple(r for r in raw if known_at is not None and r.recorded_at > known_at)
        voided = tuple(r for r in raw if r.id in voided_by and r not in unrecorded)
        return cls(facts, voided, unrecorded)

    def missing(self, accept: Callable[[Record], bool]) -> list[RecordRef]:
        refs = [_ref(r, f"voided by {self.facts.file.voided_by[r.id].id}") for r in self.voided if accept(r)]
        known_at = self.facts.file.known_at.isoformat() if self.facts.file.known_at else ""
        refs += [
            _ref(r, f"recorded {r.recorded_at.isoformat()}, after known_at {known_at}")
            for r in self.unrecorded
            if accept(r)
        ]
        return refs


def _ref(record: Record, note: str) -> RecordRef:
    return RecordRef(record.id, record.type_tag, record.on, note)


def _period(facts: SubjectFacts) -> str:
    return f"{facts.start.isoformat()}/{facts.end.isoformat()}"


# --- verdicts, criterion by criterion (mirroring reference.holds) ------------------------------


def verdict(criterion: Criterion, context: _Context, item: Record | None = None) -> Verdict:
    """The answer ``reference.holds`` gives, with the records behind it."""
    facts = context.facts
    match criterion:
        case StatusIn(statuses=statuses):
            return _status_verdict(statuses, context)
        case HasRecord(types=types, when=when, where=where):
            return _record_verdict(types, when, where.fields, str(where), context)
        case InLostContact(when=when):
            return _lost_contact_verdict(when, context)
        case EveryDueExcused(kind=kind):
            due = _person(facts).due_in_period(kind)
            excuses = _person(facts).excuses_by_end()
            what = f"{kind} tests" if kind else "tests"
            if not due:
                return Verdict(False, f"no {what} due in {_period(facts)}")
            refs = tuple(
                _ref(d, f"excused by {excuses[d.id].id} on {excuses[d.id].on} ({excuses[d.id].reason})")
                if d.id in excuses
                else _ref(d, "not excused by the period end")
                for d in due
            )
            met = all(d.id in excuses for d in due)
            return Verdict(
                met,
                f"every {what[:-1]} due in the period was excused"
                if met
                else f"not every {what[:-1]} due in the period was excused",
                refs,
            )
        case AllOf(criteria=criteria):
            parts = [verdict(c, context, item) for c in criteria]
            return _combine(all(p.met for p in parts), parts, "all of")
        case AnyOf(criteria=criteria):
            parts = [verdict(c, context, item) for c in criteria]
            return _combine(any(p.met for p in parts), parts, "any of")
        case Not(criterion=inner):
            part = verdict(inner, context, item)
            return Verdict(not part.met, f"not ({part.because})", part.records)
        case FulfilledInWindow():
            return _fulfilment_verdict(_due(criterion, item), context)
        case DueExcused():
            item = _due(criterion, item)
            excuse = _person(facts).excuses_by_end().get(item.id)
            if excuse is None:
                return Verdict(False, f"{item.id} was not excused by {facts.end}")
            return Verdict(
                True, f"{item.id} was excused on {excuse.on}: {excuse.reason}", (_ref(excuse, "counts"),)
            )
        case InScope() | SubjectIn():
            return _state_verdict(criterion, context)
        case ItemField(field=field, values=values, when=when):
            found = _item(criterion, item)
            met = holds(criterion, facts, found)
            value = getattr(found, field, None)
            wanted = (f" one of {', '.join(values)}" if values else "") + (f" dated {when}" if when else "")
            return Verdict(
                met, f"{field} of {found.id} is {value}" + (f" (wanted{wanted})" if wanted else "")
            )
        case ReferencedBy(types=types, field=field, by=by):
            found = _item(criterion, item)
            naming = [_ref(r, "counts") for r in referencing(facts, found, types, field, by)]
            limit = f"{by} of {found.id}" if by is not None else str(facts.end)
            near = [
                _ref(r, f"dated {r.on}, after {limit}")
                for r in facts.records(types)
                if getattr(r, field, None) == found.id and r.id not in {n.id for n in naming}
            ]
            near += context.missing(lambda r: r.type_tag in types and getattr(r, field, None) == found.id)
            what = " or ".join(types)
            if naming:
                return Verdict(
                    True, f"{found.id} named by {len(naming)} {what} on or before {limit}", (*naming, *near)
                )
            return Verdict(False, f"no {what} names {found.id} on or before {limit}", tuple(near))
        case FollowedBy(types=types, same=same):
            found = _item(criterion, item)
            later = [_ref(r, "counts") for r in followers(facts, found, types, same)]
            what = " or ".join(types) + (f" with the same {', '.join(same)}" if same else "")
            if later:
                return Verdict(True, f"{found.id} followed by {what} by {facts.end}", tuple(later))
            return Verdict(False, f"{found.id} not followed by {what} by {facts.end}")
        case CountsMatch():
            return _counts_verdict(context)
    raise TypeError(f"no rule for criterion {criterion!r}")


_STATE_RECORDS = (
    UnitRegistered,
    UnitChanged,
    UnitClosed,
    OrganisationRegistered,
    OrganisationChanged,
    OrganisationClosed,
)
"""The records a unit's or organisation's state on a date is folded from (``state.subjects``)."""


def _state_verdict(criterion: InScope | SubjectIn, context: _Context) -> Verdict:
    """``in_scope`` or ``subject_in``, with the registration, changes and closures behind the state."""
    facts = _unit_or_organisation(context.facts)
    state = facts.state_at_end()
    met = holds(criterion, facts)
    refs = [
        _ref(r, "counts" if r.on <= facts.end else "dated after the period end")
        for r in facts.file.records
        if isinstance(r, _STATE_RECORDS)
    ]
    refs += context.missing(lambda r: isinstance(r, _STATE_RECORDS))
    if state is None:
        return Verdict(False, "not registered (as known at known_at)", tuple(refs))
    if isinstance(criterion, SubjectIn):
        value = ", ".join(field_texts(getattr(state, criterion.field, None))) or "empty"
        wanted = ", ".join(criterion.values)
        return Verdict(
            met, f"{criterion.field} on {facts.end} is {value} (wanted one of: {wanted})", tuple(refs)
        )
    since = state.since if isinstance(state, UnitState) else None
    if met:
        return Verdict(True, f"in scope on {facts.end}", tuple(refs))
    if state.closed_on is not None:
        return Verdict(False, f"closed on {state.closed_on}, on or before {facts.end}", tuple(refs))
    return Verdict(False, f"under supervision only since {since}, after {facts.end}", tuple(refs))


def _counts_verdict(context: _Context) -> Verdict:
    """``counts_match``: each count of the period beside the ledger balance at the end of its day."""
    facts = context.facts
    lines = period_counts(facts)
    refs = [
        _ref(
            line.record,
            f"counted {plain_decimal(line.counted)}, ledger balance {plain_decimal(line.balance)}: "
            + ("matches" if line.matched else f"differs by {plain_decimal(line.difference)}"),
        )
        for line in lines
    ]
    refs += context.missing(lambda r: r.type_tag in ("stock_counted", "ledger_entry"))
    differing = [line for line in lines if not line.matched]
    if not lines:
        return Verdict(True, f"no stock count in {_period(facts)}", tuple(refs))
    if differing:
        return Verdict(False, f"{len(differing)} of {len(lines)} counts differ from the ledger", tuple(refs))
    return Verdict(True, f"all {len(lines)} counts in {_period(facts)} equal the ledger balance", tuple(refs))


def _combine(met: bool, parts: list[Verdict], word: str) -> Verdict:
    records = tuple(r for p in parts for r in p.records)
    return Verdict(
        met, f"{word}: " + "; ".join(f"[{'yes' if p.met else 'no'}] {p.because}" for p in parts), records
    )


def _status_verdict(statuses: frozenset[object], context: _Context) -> Verdict:
    facts = context.facts
    changes = facts.file.of_type(StatusChanged)
    current = latest_on_or_before(changes, facts.end)
    refs = [_ref(current, f"in effect on {facts.end}")] if current else []
    refs += [_ref(c, "dated after the period end") for c in changes if c.on > facts.end]
    refs += context.missing(lambda r: isinstance(r, StatusChanged))
    wanted = ", ".join(sorted(str(s) for s in statuses))
    if current is None:
        return Verdict(False, f"no status on or before {facts.end} (wanted one of: {wanted})", tuple(refs))
    file = facts.file
    assert isinstance(file, PersonFile)  # a status is a person's
    status = status_on(file, facts.end)
    met = status in statuses
    relapse = relapse_ending(file, current, facts.end) if status is not current.status else None
    if relapse is not None:  # a relapse after abstinent_3y: managed again (state.status_on)
        refs.append(_ref(relapse, f"a relapse on or after {current.on}: {current.status} ended"))
        because = (
            f"status on {facts.end} is {status}, since the relapse of {relapse.on} ended {current.status}"
        )
    else:
        because = f"status on {facts.end} is {status}"
    return Verdict(met, f"{because} ({'one' if met else 'not one'} of: {wanted})", tuple(refs))


def _record_verdict(
    types: tuple[str, ...],
    when: When,
    where: tuple[tuple[str, tuple[str, ...]], ...],
    where_text: str,
    context: _Context,
) -> Verdict:
    facts = context.facts
    scope = f"dated in {_period(facts)}" if when is When.PERIOD else f"dated on or before {facts.end}"
    what = " or ".join(types) + (f" with {where_text}" if where else "")
    counting: list[RecordRef] = []
    near: list[RecordRef] = []
    for record in facts.records(types):
        if not facts.dated(record, when):
            side = "before the period" if record.on < facts.start else "after the period end"
            near.append(_ref(record, f"dated {record.on}, {side}"))
        elif not matches(record, where):
            near.append(_ref(record, f"does not have {where_text}"))
        else:
            counting.append(_ref(record, "counts"))
    near += context.missing(lambda r: r.type_tag in types)
    if counting:
        return Verdict(True, f"{len(counting)} {what} {scope}", tuple(counting + near))
    return Verdict(False, f"no {what} {scope}", tuple(near))


def _lost_contact_verdict(when: When, context: _Context) -> Verdict:
    facts = _person(context.facts)
    refs = [
        _ref(r, "lost contact" if isinstance(r, LostContact) else "contact restored")
        for r in sorted(
            (*facts.file.of_type(LostContact), *facts.file.of_type(ContactRestored)), key=lambda r: r.on
        )
    ]
    refs += context.missing(lambda r: isinstance(r, LostContact | ContactRestored))

    def spell_text(spell: tuple[dt.date, dt.date | None]) -> str:
        lost, restored = spell
        return f"lost {lost}, " + (f"restored {restored}" if restored else "not restored")

    if when is When.PERIOD:
        touching = [s for s in facts.spells() if facts.spell_touches_period(s)]
        if touching:
            spells = "; ".join(spell_text(s) for s in touching)
            return Verdict(True, f"in lost contact during {_period(facts)} ({spells})", tuple(refs))
        return Verdict(False, f"not in lost contact at any time in {_period(facts)}", tuple(refs))
    open_spells = [s for s in facts.spells() if facts.spell_open_at_end(s)]
    if open_spells:
        return Verdict(True, f"in lost contact on {facts.end} ({spell_text(open_spells[0])})", tuple(refs))
    return Verdict(False, f"not in lost contact on {facts.end}", tuple(refs))


def _fulfilment_verdict(due: TestDue, context: _Context) -> Verdict:
    facts = _person(context.facts)
    window = facts.policy.test_window_days
    test = facts.fulfilling_test(due)
    missing = tuple(context.missing(lambda r: getattr(r, "due", None) == due.id))
    excuse = facts.excuses_by_end().get(due.id)
    if excuse is not None:
        missing = (_ref(excuse, f"excused ({excuse.reason}); an excuse does not fulfil it"), *missing)
    if test is None:
        return Verdict(False, f"no test fulfils {due.id} (due {due.on}, window ±{window} days)", missing)
    gap = (test.on - due.on).days
    if abs(gap) > window:
        return Verdict(
            False,
            f"{due.id} (due {due.on}) was fulfilled by {test.id} on {test.on}, {abs(gap)} days "
            f"{'after' if gap > 0 else 'before'} it: outside the ±{window}-day window",
            (_ref(test, "outside the window"), *missing),
        )
    if test.on > facts.end:
        return Verdict(
            False,
            f"{due.id} (due {due.on}) was fulfilled by {test.id} on {test.on}, after the period end",
            (_ref(test, "after the period end"), *missing),
        )
    return Verdict(
        True,
        f"{due.id} (due {due.on}) was fulfilled by {test.id} on {test.on}, within ±{window} days",
        (_ref(test, "counts"), *missing),
    )


# --- attribution ---------------------------------------------------------------------------------


def _attribution(facts: SubjectFacts, view: View, division: DivisionCode, own: bool) -> str:
    end = facts.end
    if own and facts.kind is not SubjectKind.PERSON:
        return f"{division} is where the record says it happened (its division)"
    if own:
        return f"{division} is a side of the transfer"
    if not isinstance(facts, PersonFacts):
        return f"the {facts.kind}'s division on {end}: {division}"
    file = facts.person_file
    if view is View.COOPERATING:
        return f"{division} co-manages the person on {end} (a place of theirs that is not responsible)"
    transfer = accepted_transfer_on(file, end)
    if transfer is not None and transfer.answer is not None:
        return (
            f"responsible on {end}: {division}, by transfer {transfer.request.id} "
            f"accepted on {transfer.answer.on} ({transfer.answer.id})"
        )
    places = places_on(file, end)
    if facts.policy.responsible is Responsibility.RESIDENCE_FIRST and places.residence is not None:
        return f"responsible on {end}: {division}, the residence place (residence first)"
    return f"responsible on {end}: {division}, the household place ({facts.policy.responsible})"


# --- subjects and explanations ---------------------------------------------------------------------


def _checks(definition: IndicatorDefinition, context: _Context, item: Record | None) -> tuple[Check, ...]:
    """The criteria asked, in gating order: only those whose parent population holds the subject."""
    member = membership(definition, context.facts, item)
    asked: list[tuple[str, Criterion | None]] = [("initial_population", definition.initial)]
    if member is not None:
        _, in_d, in_dx, _, in_n, _ = member
        asked.append(("denominator", definition.denominator))
        if in_d:
            asked.append(("denominator_exclusion", definition.denominator_exclusion))
            if not in_dx:
                asked.append(("numerator", definition.numerator))
                asked.append(
                    ("numerator_exclusion", definition.numerator_exclusion)
                    if in_n
                    else ("denominator_exception", definition.denominator_exception)
                )
    checks: list[Check] = []
    for label, criterion in asked:
        if criterion is None:
            continue
        answer = verdict(criterion, context, item)
        checks.append(Check(label, criterion.op, answer.met, answer.because, answer.records))
    return tuple(checks)


def explain_histories(
    histories: Iterable[tuple[SubjectId, Sequence[Record]]],
    definition: IndicatorDefinition,
    request: EvaluationRequest,
    tree: DivisionTree,
    *,
    policy: Policy,
    divisions: Sequence[DivisionCode] | None = None,
    identity: IdentityLookup | None = None,
    withheld: Withheld | None = None,
) -> list[Explanation]:
    """The evidence behind ``definition``'s result for each division.

    Args:
        histories: Each subject's records, every one ever stored (the file is
            built here as known at ``request.known_at``, so that voided and
            later records can be shown as what was left out). Subjects of
            another kind than the definition's are passed over.
        definition: The indicator to explain.
        request: Period, ``known_at``, view and organisation.
        tree: The division hierarchy.
        policy: The settings in force.
        divisions: The divisions to explain; None for every division of the
            tree and every division someone counts in.
        identity: Looks up a person's masked identity; None keeps people pseudonymous.
        withheld: Says which files are sealed (封存): they count in every figure and
            appear only as a number (``Explanation.sealed``), never by id.
    """
    direct: dict[DivisionCode, list[Subject]] = defaultdict(list)
    values_direct: dict[DivisionCode, set[str]] = defaultdict(set)
    shown_direct: dict[DivisionCode, set[str]] = defaultdict(set)
    sealed: set[SubjectId] = set()
    for subject, raw in histories:
        if not raw or raw[0].subject_kind is not definition.subject:
            continue
        file = build_file(definition.subject, subject, raw, request.known_at)
        if not counts_in(file, request):
            continue
        hidden = withheld is not None and withheld(subject, raw)
        if hidden:
            sealed.add(subject)
        facts = facts_for(file, request.period, policy)
        homes = facts.homes(request.view)
        context = _Context.of(facts, raw)
        shown = (
            identity(subject)
            if identity is not None and definition.subject is SubjectKind.PERSON and not hidden
            else None
        )
        subjects: list[tuple[Record | None, tuple[DivisionCode, ...], bool]] = []
        if definition.basis is Basis.PERSON:
            subjects.append((None, homes, False))
        else:
            assert definition.items is not None
            for found, own in items_of(definition.items, facts):
                if own is None or request.view is View.COOPERATING:
                    subjects.append((found, homes, False))
                else:
                    subjects.append((found, (own,), True))
        for item, where, own_division in subjects:
            member = membership(definition, facts, item)
            checks = _checks(definition, context, item)
            adds = _adds(definition, facts, item, member)
            for division in where:
                direct[division].append(
                    Subject(
                        key=item.id if item is not None else subject,
                        subject=subject,
                        kind=definition.subject,
                        item=_ref(item, "item") if item is not None else None,
                        identity=shown,
                        division=division,
                        attribution=_attribution(facts, request.view, division, own=own_division),
                        populations=population_labels(member) if member is not None else (),
                        checks=checks,
                        adds=adds[0] if adds is not None else None,
                    )
                )
                if adds is not None:
                    values_direct[division].update(adds[1])
                    if not hidden:
                        shown_direct[division].update(adds[1])
    gathered: dict[DivisionCode, list[Subject]] = defaultdict(list)
    values: dict[DivisionCode, set[str]] = defaultdict(set)
    shown_values: dict[DivisionCode, set[str]] = defaultdict(set)
    if request.view is View.COOPERATING:
        gathered.update(direct)
        values.update(values_direct)
        shown_values.update(shown_direct)
    else:
        for division, subjects_here in direct.items():
            for above in tree.lineage(division):
                gathered[above].extend(subjects_here)
                values[above].update(values_direct.get(division, ()))
                shown_values[above].update(shown_direct.get(division, ()))
    codes = sorted({d.code for d in tree} | set(gathered)) if divisions is None else list(divisions)
    explanations: list[Explanation] = []
    for code in codes:
        subjects_here = sorted(gathered.get(code, []), key=lambda s: (s.key, s.division))
        populations = {
            label: tuple(sorted({s.key for s in subjects_here if label in s.populations}))
            for label in POPULATIONS
        }
        counts: Counts = tuple(len(populations[label]) for label in POPULATIONS)  # type: ignore[assignment]
        amount = sum(
            (Fraction(s.adds) for s in subjects_here if s.adds is not None and definition.sum_of is not None),
            Fraction(0),
        )
        visible = [s for s in subjects_here if s.subject not in sealed]
        named = {
            label: tuple(sorted({s.key for s in visible if label in s.populations})) for label in POPULATIONS
        }
        withheld_here = {
            label: len(populations[label]) - len(named[label])
            for label in POPULATIONS
            if len(populations[label]) != len(named[label])
        }
        explanations.append(
            Explanation(
                result=result_from_counts(
                    definition,
                    code,
                    counts,
                    request,
                    policy,
                    amount=amount,
                    distinct=len(values.get(code, ())),
                ),
                definition=definition,
                populations=named,
                subjects=tuple(visible),
                values=tuple(sorted(shown_values.get(code, ()))),
                sealed=withheld_here,
                sealed_values=len(values.get(code, ())) - len(shown_values.get(code, ())),
            )
        )
    return explanations


def _adds(
    definition: IndicatorDefinition, facts: SubjectFacts, item: Record | None, member: tuple[bool, ...] | None
) -> tuple[str, set[str]] | None:
    """What an item of N − NX adds to a sum or a distinct count: the text shown, and the distinct
    keys (``value``, or ``subject:value`` when told apart per subject)."""
    if item is None or member is None or not member[4] or member[5]:
        return None
    if definition.sum_of is None and definition.distinct is None:
        return None
    amount, keys = contribution(definition, facts, item)
    if definition.sum_of is not None:
        return exact_text(amount), set()
    shown = {f"{owner}:{value}" if owner else value for owner, value in keys}
    return ", ".join(sorted(shown)), shown
