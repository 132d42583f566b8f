"""Making a report from a store: choose the template, check it, compute, bind.

``make_report(uow, "half_year", Period.parse("2025H2"), "522631")`` checks the
template against the catalogue before anything else (a figure the catalogue
lacks fails with the template's name and the figure), refuses a period in
which the store holds no records for the division (said plainly, rather
than a document of dashes), evaluates the indicators the template uses for
the period and the one before, and binds them. Rendering is a separate step
(``render``), so one computed report can be written in every format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pluggy

from antidrug_core.indicators.catalogue import indicator_definitions
from antidrug_core.indicators.evaluate import evaluate_in_store, explain_in_store
from antidrug_core.indicators.period import Period
from antidrug_core.indicators.results import EvaluationRequest
from antidrug_core.model import (
    DivisionCode,
    DivisionTree,
    InvalidInput,
    Permission,
    PermissionDenied,
    SubjectKind,
    division_code,
    is_within,
)
from antidrug_core.registry import Registry
from antidrug_core.reports.binding import ReportData, bind_report
from antidrug_core.reports.formatting import period_text
from antidrug_core.reports.markdown import MarkdownRenderer
from antidrug_core.reports.model import Report
from antidrug_core.reports.templates import (
    NamedListTemplate,
    Renderer,
    ReportTemplate,
    check_template,
    referenced_indicators,
    renderer_registry,
    template_registry,
)
from antidrug_core.services.unit_of_work import UnitOfWork
from antidrug_core.state import OrganisationFile, PersonFile, organisation_on, responsible_division_on

__all__ = ["has_records", "make_report", "render", "report_renderers", "report_templates"]


def report_templates(plugins: pluggy.PluginManager) -> Registry[ReportTemplate]:
    """The templates in force: every plugin's, through ``antidrug_register_templates``."""
    registry = template_registry()
    plugins.hook.antidrug_register_templates(registry=registry)
    return registry


def report_renderers(plugins: pluggy.PluginManager) -> Registry[Renderer]:
    """The renderers in force: Markdown, then every plugin's (which may replace it)."""
    registry = renderer_registry()
    registry.add(MarkdownRenderer())
    plugins.hook.antidrug_register_renderers(registry=registry)
    return registry


def render(report: Report, format: str, plugins: pluggy.PluginManager) -> bytes:
    """``report`` as a document of ``format`` (``md``, ``html``, ``docx`` …).

    Raises:
        InvalidInput: no renderer for that format is installed.
    """
    return report_renderers(plugins).get(format).render(report)


def has_records(
    uow: UnitOfWork, period: Period, division: DivisionCode, known_at: dt.datetime | None
) -> bool:
    """Whether the store holds any record dated in ``period`` for someone the division is responsible for,
    or for work an organisation did in it (its own division's, or a record's ``division`` within it)."""
    for file in uow.counted_files(SubjectKind.PERSON, known_at):  # sealed files hold figures too
        if (
            not isinstance(file, PersonFile)
            or file.registration is None
            or not any(record.on in period for record in file.records)
        ):
            continue
        if is_within(responsible_division_on(file, period.end, uow.policy), division):
            return True
    for organisation in uow.subject_files(SubjectKind.ORGANISATION, known_at):
        if not isinstance(organisation, OrganisationFile):
            continue
        state = organisation_on(organisation, period.end)
        for record in organisation.records:
            where = getattr(record, "division", None) or (state.division if state else None)
            if record.on in period and where is not None and is_within(where, division):
                return True
    return False


def make_report(
    uow: UnitOfWork,
    template: str | ReportTemplate,
    period: Period,
    division: str,
    *,
    known_at: dt.datetime | None = None,
    named_lists: bool = False,
    source: str = "--db URL",
    notes: Sequence[str] = (),
    organisation: str | None = None,
) -> Report:
    """The report of ``template`` for ``division`` and ``period``, from the store.

    Args:
        uow: A unit of work of the actor the report is made for; it sees
            only the people in its divisions.
        template: A template, or the name of one registered by a plugin.
        period: The period reported on; the previous one of the same length
            is compared with when it holds records.
        division: The division the report is for (its figures include every
            division below it).
        known_at: Use only records recorded by then (reproduce a past report).
        named_lists: Include the template's named lists, masked. Only for an
            actor whose role may see identities.
        source: How the appendix's commands name the data (``--db URL``).
        notes: Things the reader must know, said under the title.
        organisation: Keep only this organisation's records in organisation
            figures (a bureau's own summary); figures about people are unaffected.

    Raises:
        InvalidInput: an unknown template or division, a template naming a
            figure the catalogue lacks, or a period with no records at all.
        PermissionDenied: the division is outside the actor's divisions, or
            named lists were asked for by a role that may not see identities.
    """
    uow.require(Permission.READ)
    plugins = uow.store.plugins
    chosen = report_templates(plugins).get(template) if isinstance(template, str) else template
    definitions = {d.id: d for d in indicator_definitions(plugins)}
    check_template(chosen, definitions)
    if named_lists:
        uow.require(Permission.SEE_IDENTITY)
    code = division_code(division)
    if not uow.actor.covers(code):
        # A figure for a division the actor sees only part of would mislead.
        raise PermissionDenied(f"actor {uow.actor.id!r} may not report on {code}, outside its divisions")
    tree = DivisionTree(uow.divisions())
    if not has_records(uow, period, code, known_at):
        raise InvalidInput.of(
            "period",
            f"the store holds no records dated in {period_text(period)} ({period}) for "
            f"{tree.name(code)} ({code}); there is nothing to report, and no report was written",
        )
    indicators = tuple(referenced_indicators(chosen, definitions.values()))
    divisions = (code, *(child for child in tree.children(code) if child != code))
    request = EvaluationRequest(
        period=period,
        known_at=known_at,
        indicators=indicators,
        divisions=divisions,
        organisation=organisation,
    )
    results = evaluate_in_store(uow, request)
    previous_period = period.previous()
    previous = None
    if has_records(uow, previous_period, code, known_at):
        previous = evaluate_in_store(
            uow,
            EvaluationRequest(
                period=previous_period,
                known_at=known_at,
                indicators=indicators,
                divisions=(code,),
                organisation=organisation,
            ),
        )
    lists = _named_lists(uow, chosen, request, code) if named_lists else None
    data = ReportData(
        division=code,
        period=period,
        known_at=known_at,
        tree=tree,
        definitions=definitions,
        results=results,
        previous=previous,
        named_lists=lists,
        source=source,
        notes=tuple(notes),
        organisation=organisation,
    )
    return bind_report(chosen, data)


def _named_lists(
    uow: UnitOfWork, template: ReportTemplate, request: EvaluationRequest, division: DivisionCode
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The masked people of each named list the template has (identities masked by the evidence)."""
    wanted = {
        (block.indicator, block.population)
        for section in template.sections
        for block in section.blocks
        if isinstance(block, NamedListTemplate)
    }
    lists: dict[tuple[str, str], tuple[str, ...]] = {}
    for indicator in sorted({indicator for indicator, _ in wanted}):
        single = EvaluationRequest(
            period=request.period, known_at=request.known_at, indicators=(indicator,), divisions=(division,)
        )
        for explanation in explain_in_store(uow, single, indicator):
            if explanation.result.division != division:
                continue
            subjects = {subject.key: subject for subject in explanation.subjects}
            for population in sorted(p for i, p in wanted if i == indicator):
                shown: dict[str, str] = {}
                for key in explanation.populations.get(population, ()):
                    subject = subjects.get(key)
                    if subject is not None:
                        shown.setdefault(
                            subject.person, subject.identity or f"{subject.person}（未登记身份信息）"
                        )
                lists[(indicator, population)] = tuple(shown[person] for person in sorted(shown))
    return lists
