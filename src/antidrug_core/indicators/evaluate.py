"""The entry points: evaluate or explain the catalogue over a dataset or a store.

A dataset is evaluated by the reference evaluator. A store first asks the
``antidrug_evaluate_indicators`` hook (a storage plugin may answer from its
own tables, fast) and falls back to the reference evaluator over the
files the actor may see: people's, units' and organisations', as the
definitions ask. Explanations always come from the reference evaluator's
own membership rules.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence

import attrs

from antidrug_core.indicators.catalogue import indicator_definitions, select_definitions, standard_catalogue
from antidrug_core.indicators.definitions import IndicatorDefinition
from antidrug_core.indicators.evidence import Explanation, IdentityLookup, explain_histories
from antidrug_core.indicators.reference import evaluate_files
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult
from antidrug_core.interchange import Dataset
from antidrug_core.model import (
    Division,
    DivisionCode,
    DivisionTree,
    InvalidInput,
    Permission,
    PersonId,
    Problem,
    Record,
    SubjectId,
    SubjectKind,
    division_code,
    is_within,
)
from antidrug_core.ports import Scope
from antidrug_core.rules.policy import Policy
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import SubjectFile, build_file

__all__ = [
    "evaluate_dataset",
    "evaluate_in_store",
    "explain_dataset",
    "explain_in_store",
]


def _resolved(request: EvaluationRequest, policy: Policy) -> tuple[EvaluationRequest, Policy]:
    used = request.policy or policy
    return attrs.evolve(request, policy=used), used


# --- datasets -----------------------------------------------------------------------------------


def _dataset_divisions(dataset: Dataset, request: EvaluationRequest) -> list[DivisionCode] | None:
    if request.divisions is None:
        return None
    known = {d.code for d in dataset.divisions}
    unknown = [code for code in request.divisions if code not in known]
    if unknown:
        raise InvalidInput.of("division", f"the dataset has no division {', '.join(map(repr, unknown))}")
    return sorted(set(request.divisions))


def _histories(dataset: Dataset) -> list[tuple[SubjectId, list[Record]]]:
    """Every subject's records (people, units, organisations), by kind then id.

    Read from the records themselves (each names its subject and kind), so a
    dataset of any mix of subjects is evaluated the same way.
    """
    grouped: dict[tuple[int, SubjectId], list[Record]] = defaultdict(list)
    order = {kind: position for position, kind in enumerate(SubjectKind)}
    for record in dataset.records:
        grouped[(order[record.subject_kind], record.subject)].append(record)
    return [(subject, records) for (_, subject), records in sorted(grouped.items())]


def _dataset_files(dataset: Dataset, request: EvaluationRequest) -> Iterator[SubjectFile]:
    for subject, records in _histories(dataset):
        yield build_file(records[0].subject_kind, subject, records, request.known_at)


def _check_organisation(request: EvaluationRequest, known: bool) -> None:
    if request.organisation is not None and not known:
        raise InvalidInput.of("organisation", f"there is no organisation {request.organisation!r}")


def _dataset_organisation(dataset: Dataset, request: EvaluationRequest) -> None:
    if request.organisation is None:
        return
    _check_organisation(
        request,
        any(
            r.subject == request.organisation and r.subject_kind is SubjectKind.ORGANISATION
            for r in dataset.records
        ),
    )


def evaluate_dataset(
    dataset: Dataset,
    request: EvaluationRequest,
    *,
    definitions: Sequence[IndicatorDefinition] | None = None,
) -> list[IndicatorResult]:
    """Every requested indicator for every division of a dataset, by the reference evaluator.

    Args:
        dataset: A validated dataset (``interchange.read_dataset``).
        request: Period, ``known_at``, indicators and divisions to report,
            view; the policy defaults to the dataset's.
        definitions: The definitions in force; the standard catalogue by default.

    Returns:
        One result per division of the dataset (every level, sorted by code)
        and per indicator (in catalogue order).

    Raises:
        InvalidInput: an unknown indicator, division or organisation was asked for.
    """
    request, policy = _resolved(request, dataset.policy)
    chosen = select_definitions(definitions or standard_catalogue(), request.indicators)
    _dataset_organisation(dataset, request)
    return evaluate_files(
        _dataset_files(dataset, request),
        chosen,
        request,
        dataset.tree,
        policy=policy,
        divisions=_dataset_divisions(dataset, request),
    )


def explain_dataset(
    dataset: Dataset,
    request: EvaluationRequest,
    indicator: str,
    *,
    definitions: Sequence[IndicatorDefinition] | None = None,
) -> list[Explanation]:
    """The evidence behind one indicator's results over a dataset, one explanation per division.

    Dataset person ids are pseudonymous and datasets carry no identities.

    Raises:
        InvalidInput: an unknown indicator, division or organisation was asked for.
    """
    request, policy = _resolved(request, dataset.policy)
    (definition,) = select_definitions(definitions or standard_catalogue(), [indicator])
    _dataset_organisation(dataset, request)
    return explain_histories(
        _histories(dataset),
        definition,
        request,
        dataset.tree,
        policy=policy,
        divisions=_dataset_divisions(dataset, request),
    )


# --- stores -------------------------------------------------------------------------------------


def _covered(code: DivisionCode, scope: Scope) -> bool:
    return scope is None or any(is_within(code, division) for division in scope)


def _store_tree(uow: UnitOfWork, request: EvaluationRequest) -> DivisionTree:
    """The store's divisions, with any requested division it does not name (named by its code)."""
    divisions = {d.code: d for d in uow.divisions()}
    problems: list[Problem] = []
    for code in request.divisions or ():
        try:
            division_code(code)
        except InvalidInput as error:
            problems.extend(error.problems)
            continue
        divisions.setdefault(code, Division(code=code, name=code))
    if problems:
        raise InvalidInput(problems)
    return DivisionTree(divisions.values())


def _store_divisions(
    results: list[IndicatorResult], request: EvaluationRequest, scope: Scope
) -> list[IndicatorResult]:
    if request.divisions is not None:
        wanted = set(request.divisions)
        return [r for r in results if r.division in wanted]
    return [r for r in results if _covered(r.division, scope)]


def _store_organisation(uow: UnitOfWork, request: EvaluationRequest) -> None:
    if request.organisation is not None:
        _check_organisation(request, uow.exists(request.organisation, SubjectKind.ORGANISATION))


def evaluate_in_store(uow: UnitOfWork, request: EvaluationRequest) -> list[IndicatorResult]:
    """Every requested indicator for the divisions an actor may see, as known at ``request.known_at``.

    Uses a storage plugin's fast evaluator when one answers the
    ``antidrug_evaluate_indicators`` hook, and otherwise the reference
    evaluator over the person files in the actor's scope, streamed one at a
    time. The definitions are those in force for the store (the standard
    catalogue and local indicators from plugins); the policy defaults to the
    store's.

    Returns:
        One result per reported division (sorted by code) and indicator (in
        catalogue order). Without ``request.divisions``, the divisions are
        those the store knows and those someone is attributed to, limited to
        the actor's divisions, since a figure for a division the actor sees
        only part of would mislead.

    Raises:
        PermissionDenied: the actor may not read.
        InvalidInput: an unknown indicator or organisation, or a malformed division code, was asked for.
    """
    uow.require(Permission.READ)
    request, policy = _resolved(request, uow.policy)
    definitions = select_definitions(indicator_definitions(uow.store.plugins), request.indicators)
    _store_organisation(uow, request)
    tree = _store_tree(uow, request)
    people = [d for d in definitions if d.subject is SubjectKind.PERSON]
    others = [d for d in definitions if d.subject is not SubjectKind.PERSON]
    # A fast evaluator answers for people, where the volume is; the few units and organisations
    # of a store are read by the reference evaluator beside it, so a catalogue that has figures
    # of every subject keeps the fast path for its people.
    fast = _fast(uow, request, people, tree) if people else []
    if fast is None:
        return _by_reference(uow, request, definitions, tree, policy)
    if not others:
        return fast
    rest = _by_reference(uow, request, others, tree, policy)
    reported = {r.division for r in fast} | {r.division for r in rest}
    if request.divisions is None and (
        {r.division for r in fast} != reported or {r.division for r in rest} != reported
    ):
        # Each side reports the divisions it found someone in; give both every division either found.
        request = attrs.evolve(request, divisions=tuple(sorted(reported)))
        fast = _fast(uow, request, people, tree) or []
        rest = _by_reference(uow, request, others, tree, policy)
    order = {d.id: index for index, d in enumerate(definitions)}
    return sorted([*fast, *rest], key=lambda r: (r.division, order[r.indicator]))


def _fast(
    uow: UnitOfWork, request: EvaluationRequest, definitions: list[IndicatorDefinition], tree: DivisionTree
) -> list[IndicatorResult] | None:
    """What a storage plugin's fast evaluator answers for ``definitions``, or None when none does."""
    answered: list[IndicatorResult] | None = uow.store.plugins.hook.antidrug_evaluate_indicators(
        recorder=uow.store.recorder, scope=uow.scope, request=request, definitions=definitions, tree=tree
    )
    return answered


def _by_reference(
    uow: UnitOfWork,
    request: EvaluationRequest,
    definitions: list[IndicatorDefinition],
    tree: DivisionTree,
    policy: Policy,
) -> list[IndicatorResult]:
    """The reference evaluator over the files ``definitions`` need, streamed from the store."""
    divisions = sorted(set(request.divisions)) if request.divisions is not None else None
    kinds = [kind for kind in SubjectKind if any(d.subject is kind for d in definitions)]
    # Sealed files count: sealing decides who is named, never what a figure is.
    files = itertools.chain.from_iterable(uow.counted_files(kind, request.known_at) for kind in kinds)
    scope = uow.scope
    within = None if divisions is not None or scope is None else functools.partial(_covered, scope=scope)
    results = evaluate_files(
        files, definitions, request, tree, policy=policy, divisions=divisions, within=within
    )
    return _store_divisions(results, request, scope)


def _identity_lookup(uow: UnitOfWork) -> IdentityLookup | None:
    if not uow.actor.may(Permission.SEE_IDENTITY):
        return None
    session, scope = uow.session, uow.scope

    def masked(person: PersonId) -> str | None:
        # Straight from the session: the unit of work would keep every person's stream.
        found = session.get_identity(person, scope)
        return found.masked if found is not None else None

    return masked


def explain_in_store(uow: UnitOfWork, request: EvaluationRequest, indicator: str) -> list[Explanation]:
    """The evidence behind one indicator's results in a store, one explanation per reported division.

    People are shown by their pseudonymous ids; an actor whose role may see
    identities also sees each person's masked identity (张* 110105********1234).
    Sealed files (封存) count in every result and appear only as a number per
    population (``Explanation.sealed``).

    Raises:
        PermissionDenied: the actor may not read.
        InvalidInput: an unknown indicator or a malformed division code was asked for.
    """
    uow.require(Permission.READ)
    request, policy = _resolved(request, uow.policy)
    (definition,) = select_definitions(indicator_definitions(uow.store.plugins), [indicator])
    _store_organisation(uow, request)
    tree = _store_tree(uow, request)
    divisions = sorted(set(request.divisions)) if request.divisions is not None else None
    histories = (
        (stream.subject, stream.records)
        for stream in uow.session.read_streams(uow.scope, kind=definition.subject)
    )
    explanations = explain_histories(
        histories,
        definition,
        request,
        tree,
        policy=policy,
        divisions=divisions,
        identity=_identity_lookup(uow),
        withheld=uow.is_sealed if definition.subject is SubjectKind.PERSON else None,
    )
    if request.divisions is not None:
        return explanations
    return [e for e in explanations if _covered(e.result.division, uow.scope)]
