"""The conformance suite: hand-worked cases another implementation can run (docs/reference/conformance.md).

A case is plain data in the format ``antidrug-conformance-case/1``: an
``antidrug-dataset/1`` document, how to evaluate it (period, ``known_at``,
divisions, indicators, view), and what must come out — either figures of
``antidrug-rates/1`` results, each with the words that justify it, or the
places of the errors that make the dataset refused. Nothing in a case is
about people in particular: a case of units or organisations is the same
shape with another dataset, so new cases are new data files, not new code.

This module is pure: it reads cases from parsed JSON, runs them through the
reference evaluator and compares any ``antidrug-rates/1`` document with
what a case expects, explaining each differing population with the
reference evaluator's evidence. Finding the shipped case files and writing
exports is the command line's business (``antidrug conformance``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from antidrug_core.clock import zone
from antidrug_core.indicators import (
    POPULATIONS,
    EvaluationRequest,
    Explanation,
    Period,
    View,
    evaluate_dataset,
    explain_dataset,
    rates_document,
)
from antidrug_core.interchange import Dataset, read_dataset
from antidrug_core.model import DivisionCode, InvalidInput, Problem

__all__ = [
    "CASE_FORMAT",
    "FIGURES",
    "Case",
    "Evaluation",
    "ExpectedError",
    "ExpectedResult",
    "Mismatch",
    "case_from_data",
    "check_document",
    "check_refusal",
    "expected_data",
    "run_case",
]

CASE_FORMAT = "antidrug-conformance-case/1"

FIGURES: tuple[str, ...] = (*POPULATIONS, "value", "display")
"""The figures of a result a case may hold another implementation to."""

_CASE_FIELDS = {"format", "name", "title", "about", "dataset", "evaluate", "expected"}
_EVALUATE_FIELDS = {"period", "known_at", "divisions", "indicators", "view", "organisation"}
_EXPECTED_FIELDS = {"known_at", "policy", "results", "divisions_in_order", "only_these", "errors", "why"}


@attrs.frozen
class Evaluation:
    """How a case is evaluated: the question ``antidrug rates`` is asked."""

    period: Period
    known_at: str | None = None
    """As the case gives it (ISO 8601; without an offset, in the dataset's time zone)."""
    divisions: tuple[DivisionCode, ...] | None = None
    indicators: tuple[str, ...] | None = None
    view: View = View.RESPONSIBLE
    organisation: str | None = None
    """Only this organisation's records (``antidrug rates --organisation ID``), for the
    figures of organisations; None for everyone's."""

    def arguments(self) -> list[str]:
        """The ``antidrug rates`` arguments that ask the same question."""
        args = ["--period", f"{self.period.start.isoformat()}/{self.period.end.isoformat()}"]
        if self.known_at is not None:
            args += ["--known-at", self.known_at]
        for code in self.divisions or ():
            args += ["--division", code]
        for indicator in self.indicators or ():
            args += ["--indicator", indicator]
        if self.view is not View.RESPONSIBLE:
            args += ["--view", str(self.view)]
        if self.organisation is not None:
            args += ["--organisation", self.organisation]
        return args

    def data(self) -> dict[str, Any]:
        """The evaluation as plain data (what ``conformance export`` writes)."""
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "known_at": self.known_at,
            "divisions": list(self.divisions) if self.divisions is not None else None,
            "indicators": list(self.indicators) if self.indicators is not None else None,
            "view": str(self.view),
            "organisation": self.organisation,
        }


@attrs.frozen
class ExpectedResult:
    """Figures one result must have, and why an auditor computes them so."""

    indicator: str
    division: str
    figures: Mapping[str, Any]
    """Some of ``FIGURES``; those left out are not checked."""
    why: str


@attrs.frozen
class ExpectedError:
    """A place the dataset must be refused at (``records[1].on``), and why."""

    where: str
    why: str


@attrs.frozen
class Case:
    """One hand-worked case."""

    name: str
    title: str
    about: str
    """The dataset in words (often a table), read before the figures."""
    dataset: Mapping[str, Any]
    """The ``antidrug-dataset/1`` document, as parsed JSON."""
    evaluation: Evaluation
    results: tuple[ExpectedResult, ...] = ()
    errors: tuple[ExpectedError, ...] = ()
    """When not empty, the dataset must be refused and nothing evaluated."""
    known_at: str | None = None
    """The ``known_at`` the results document must report, when ``known_at_checked``."""
    known_at_checked: bool = False
    policy: Mapping[str, Any] | None = None
    """Settings the results document must report under ``policy`` (those named only)."""
    divisions_in_order: tuple[str, ...] | None = None
    """For every indicator reported: one result per division, in this order."""
    only_these: bool = False
    """The results are exactly ``results``, in that order."""
    why: str = ""
    """Why the structural expectations (order, errors) hold."""
    data: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    """The case as read, for exporting it unchanged."""


@attrs.frozen
class Mismatch:
    """A way a results document differs from what a case expects."""

    indicator: str | None
    division: str | None
    figure: str | None
    expected: Any
    got: Any
    why: str
    """The case's justification of the expected figure."""
    evidence: tuple[str, ...] = ()
    """Who the reference evaluator puts in the differing population, and why."""

    def lines(self) -> list[str]:
        """The mismatch as lines of text for a person."""
        where = " ".join(x for x in (self.indicator, self.division, self.figure) if x)
        head = f"{where}: expected {self.expected!r}, got {self.got!r}" if where else str(self.expected)
        out = [head]
        if self.why:
            out.append(f"  why: {self.why}")
        out += [f"  {line}" for line in self.evidence]
        return out


# --- reading a case -------------------------------------------------------------------------------


def _text(
    raw: Mapping[str, Any], key: str, where: str, problems: list[Problem], required: bool = True
) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)  # long texts may be written as a list of lines
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(Problem(f"{where}{key}", "must be a non-empty text (or a list of lines)"))
        return ""
    return value


def _evaluation(raw: Any, problems: list[Problem]) -> Evaluation | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem("evaluate", "must be an object"))
        return None
    for key in sorted(set(raw) - _EVALUATE_FIELDS):
        problems.append(Problem(f"evaluate.{key}", "unknown field (this library cannot ask that question)"))
    period_data = raw.get("period")
    period: Period | None = None
    try:
        if isinstance(period_data, Mapping):
            period = Period(
                dt.date.fromisoformat(period_data["start"]), dt.date.fromisoformat(period_data["end"])
            )
        else:
            period = Period.parse(str(period_data))
    except (KeyError, TypeError, ValueError, InvalidInput):
        problems.append(Problem("evaluate.period", f"{period_data!r} is not a period"))
    lists: dict[str, tuple[str, ...] | None] = {}
    for key in ("divisions", "indicators"):
        value = raw.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.append(Problem(f"evaluate.{key}", "must be a list of texts or null"))
            value = None
        lists[key] = tuple(value) if value is not None else None
    known_at = raw.get("known_at")
    if known_at is not None and not isinstance(known_at, str):
        problems.append(Problem("evaluate.known_at", "must be an ISO 8601 text or null"))
        known_at = None
    try:
        view = View(raw.get("view", View.RESPONSIBLE.value))
    except ValueError:
        problems.append(Problem("evaluate.view", f"{raw.get('view')!r} is not a view"))
        view = View.RESPONSIBLE
    organisation = raw.get("organisation")
    if organisation is not None and not isinstance(organisation, str):
        problems.append(Problem("evaluate.organisation", "must be an organisation id or null"))
        organisation = None
    if period is None:
        return None
    return Evaluation(
        period=period,
        known_at=known_at,
        divisions=tuple(DivisionCode(c) for c in lists["divisions"]) if lists["divisions"] else None,
        indicators=lists["indicators"],
        view=view,
        organisation=organisation,
    )


def _results(raw: Any, problems: list[Problem]) -> list[ExpectedResult]:
    if not isinstance(raw, list):
        problems.append(Problem("expected.results", "must be a list"))
        return []
    found: list[ExpectedResult] = []
    for index, item in enumerate(raw):
        where = f"expected.results[{index}]."
        if not isinstance(item, Mapping):
            problems.append(Problem(where[:-1], "must be an object"))
            continue
        for key in sorted(set(item) - {"indicator", "division", "why", *FIGURES}):
            problems.append(Problem(f"{where}{key}", "unknown field"))
        indicator = _text(item, "indicator", where, problems)
        division = _text(item, "division", where, problems)
        why = _text(item, "why", where, problems)
        figures = {key: item[key] for key in FIGURES if key in item}
        if not figures:
            problems.append(Problem(where[:-1], "names no figure to check"))
        found.append(ExpectedResult(indicator, division, figures, why))
    return found


def case_from_data(data: Any) -> Case:
    """A case from parsed JSON.

    Raises:
        InvalidInput: naming every field at fault. The dataset itself is not
            validated here: a case may expect it to be refused.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise InvalidInput.of("", "a case must be a JSON object")
    for key in sorted(set(data) - _CASE_FIELDS):
        problems.append(Problem(key, "unknown field"))
    if data.get("format") != CASE_FORMAT:
        problems.append(Problem("format", f"must be {CASE_FORMAT!r}, not {data.get('format')!r}"))
    name = _text(data, "name", "", problems)
    title = _text(data, "title", "", problems)
    about = _text(data, "about", "", problems, required=False)
    dataset = data.get("dataset")
    if not isinstance(dataset, Mapping):
        problems.append(Problem("dataset", "must be an antidrug-dataset/1 object"))
        dataset = {}
    evaluation = _evaluation(data.get("evaluate"), problems)
    expected = data.get("expected")
    if not isinstance(expected, Mapping):
        problems.append(Problem("expected", "must be an object"))
        expected = {}
    for key in sorted(set(expected) - _EXPECTED_FIELDS):
        problems.append(Problem(f"expected.{key}", "unknown field"))
    results = _results(expected.get("results", []), problems)
    errors: list[ExpectedError] = []
    for index, item in enumerate(expected.get("errors", [])):
        if not isinstance(item, Mapping):
            problems.append(Problem(f"expected.errors[{index}]", "must be an object"))
            continue
        where = f"expected.errors[{index}]."
        errors.append(
            ExpectedError(_text(item, "where", where, problems), _text(item, "why", where, problems))
        )
    if errors and results:
        problems.append(Problem("expected", "a case expects either errors or results, not both"))
    if not errors and not results:
        problems.append(Problem("expected", "a case expects errors or results"))
    order = expected.get("divisions_in_order")
    policy = expected.get("policy")
    if policy is not None and not isinstance(policy, Mapping):
        problems.append(Problem("expected.policy", "must be an object"))
        policy = None
    if problems or evaluation is None:
        raise InvalidInput(problems or [Problem("evaluate", "is required")])
    return Case(
        name=name,
        title=title,
        about=about,
        dataset=dataset,
        evaluation=evaluation,
        results=tuple(results),
        errors=tuple(errors),
        known_at=expected.get("known_at"),
        known_at_checked="known_at" in expected,
        policy=policy,
        divisions_in_order=tuple(order) if order is not None else None,
        only_these=bool(expected.get("only_these", False)),
        why=_text(expected, "why", "expected.", problems, required=False),
        data=data,
    )


# --- running and checking ---------------------------------------------------------------------------


def _known_at(text: str | None, time_zone: str) -> dt.datetime | None:
    """As ``antidrug rates --known-at`` reads it: without an offset, in the data's time zone."""
    if text is None:
        return None
    try:
        instant = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.of("evaluate.known_at", f"{text!r} is not an ISO 8601 timestamp") from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=zone(time_zone))


def _request(case: Case, dataset: Dataset) -> EvaluationRequest:
    e = case.evaluation
    request = EvaluationRequest(
        period=e.period,
        known_at=_known_at(e.known_at, dataset.policy.time_zone),
        indicators=e.indicators,
        divisions=e.divisions,
        view=e.view,
    )
    if e.organisation is None:
        return request
    try:
        # The request field the organisations' figures bring; a case can ask for it before then.
        changes: dict[str, Any] = {"organisation": e.organisation}
        return attrs.evolve(request, **changes)
    except TypeError:
        raise InvalidInput.of(
            "evaluate.organisation", "this library cannot yet keep one organisation's figures"
        ) from None


def run_case(case: Case) -> dict[str, Any]:
    """What this library answers for a case: its ``antidrug-rates/1`` document.

    Raises:
        InvalidInput: the dataset is refused (what a case of errors expects).
    """
    dataset = read_dataset(case.dataset)
    request = _request(case, dataset)
    results = evaluate_dataset(dataset, request)
    return rates_document(request.period, request.known_at, dataset.policy, results)


def check_refusal(case: Case, error: InvalidInput | None) -> list[Mismatch]:
    """Whether a refusal (or its absence) is what the case expects."""
    if not case.errors:
        if error is None:
            return []
        return [Mismatch(None, None, None, "the dataset to be evaluated", str(error), case.why)]
    if error is None:
        wanted = ", ".join(e.where for e in case.errors)
        return [Mismatch(None, None, None, f"the dataset to be refused at {wanted}", "results", case.why)]
    said = [str(p) for p in error.problems]
    return [
        Mismatch(None, None, "errors", e.where, "not named", e.why)
        for e in case.errors
        if not any(e.where in line for line in said)
    ]


def _evidence(explanation: Explanation, population: str) -> tuple[str, ...]:
    """The members of ``population`` with the reason, then those asked and left out, with the reason."""
    members: list[str] = []
    others: list[str] = []
    for subject in explanation.subjects:
        who = f"{subject.item.id} of {subject.person}" if subject.item is not None else subject.person
        checks = [c for c in subject.checks if c.population == population]
        because = "; ".join(
            c.because + "".join(f" [{r.id} {r.type} {r.on}: {r.note}]" for r in c.records) for c in checks
        )
        if population in subject.populations:
            members.append(f"  {who}: {because or subject.attribution}")
        elif checks:
            others.append(f"  {who}: {because}")
    lines = [f"the reference evaluator puts {len(members)} in {population}:", *members]
    if others:
        lines += [f"and leaves out {len(others)} it asked:", *others]
    return tuple(lines)


def _index(document: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    results = document.get("results")
    if not isinstance(results, list):
        return {}
    return {
        (str(r.get("indicator")), str(r.get("division"))): r
        for r in results
        if isinstance(r, Mapping)
        and isinstance(r.get("indicator"), str)
        and isinstance(r.get("division"), str)
    }


def _structure_mismatches(case: Case, document: Mapping[str, Any]) -> list[Mismatch]:
    found: list[Mismatch] = []
    if document.get("format") != "antidrug-rates/1":
        found.append(Mismatch(None, None, "format", "antidrug-rates/1", document.get("format"), ""))
    period = case.evaluation.data()["period"]
    if document.get("period") != period:
        found.append(Mismatch(None, None, "period", period, document.get("period"), "the case's period"))
    if case.known_at_checked and document.get("known_at") != case.known_at:
        found.append(Mismatch(None, None, "known_at", case.known_at, document.get("known_at"), case.why))
    for key, want in (case.policy or {}).items():
        got = (document.get("policy") or {}).get(key)
        if got != want:
            found.append(Mismatch(None, None, f"policy.{key}", want, got, "the settings used"))
    results = [r for r in document.get("results") or [] if isinstance(r, Mapping)]
    pairs = [(r.get("indicator"), r.get("division")) for r in results]
    if case.only_these:
        want_pairs = [(e.indicator, e.division) for e in case.results]
        if pairs != want_pairs:
            found.append(Mismatch(None, None, "results", want_pairs, pairs, case.why))
    if case.divisions_in_order is not None:
        for indicator in dict.fromkeys(str(i) for i, _ in pairs):
            listed = [d for i, d in pairs if i == indicator]
            if listed != list(case.divisions_in_order):
                found.append(
                    Mismatch(indicator, None, "divisions", list(case.divisions_in_order), listed, case.why)
                )
    for r in results:
        try:
            net_d = r["denominator"] - r["denominator_exclusion"] - r["denominator_exception"]
            net_n = r["numerator"] - r["numerator_exclusion"]
        except (KeyError, TypeError):
            continue
        for key, want in (("net_denominator", net_d), ("net_numerator", net_n)):
            if key in r and r[key] != want:
                found.append(
                    Mismatch(
                        r.get("indicator"),
                        r.get("division"),
                        key,
                        want,
                        r[key],
                        "a net count is the document's own gross count less the populations taken out",
                    )
                )
    return found


def check_document(case: Case, document: Mapping[str, Any]) -> list[Mismatch]:
    """Every way ``document`` (anyone's ``antidrug-rates/1`` output) differs from what ``case`` expects.

    For a differing population count, the mismatch carries the reference
    evaluator's evidence: who it puts in that population and why, and who it
    asked and left out, so the other side can find its mistake.
    """
    if case.errors:
        return check_refusal(case, None)
    found = _structure_mismatches(case, document)
    got = _index(document)
    dataset: Dataset | None = None
    explained: dict[tuple[str, str], Explanation] = {}
    for expected in case.results:
        key = (expected.indicator, expected.division)
        result = got.get(key)
        if result is None:
            found.append(
                Mismatch(expected.indicator, expected.division, None, "a result", None, expected.why)
            )
            continue
        for figure, want in expected.figures.items():
            have = result.get(figure)
            if have == want:
                continue
            evidence: tuple[str, ...] = ()
            if figure in POPULATIONS:
                dataset = dataset or read_dataset(case.dataset)
                if key not in explained:
                    request = attrs.evolve(
                        _request(case, dataset), divisions=(DivisionCode(expected.division),)
                    )
                    (explained[key],) = explain_dataset(dataset, request, expected.indicator)
                evidence = _evidence(explained[key], figure)
            found.append(
                Mismatch(expected.indicator, expected.division, figure, want, have, expected.why, evidence)
            )
    return found


def expected_data(case: Case) -> dict[str, Any]:
    """What a case expects, as plain data (what ``conformance export`` writes as ``expected.json``)."""
    raw = case.data.get("expected")
    return dict(raw) if isinstance(raw, Mapping) else {}
