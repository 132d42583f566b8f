"""Every hook a plugin can implement, grouped by what it is for.

The project name is ``antidrug_core``; plugins are modules or objects with
functions marked ``@hookimpl`` (``from antidrug_core.plugins import
hookimpl``), found through the ``antidrug_core`` entry-point group or
registered by a host. Hooks marked *first result* stop at the first plugin
that returns something other than None ("first non-None result wins").

Every hook here is documented in ``docs/hooks.md``; a test fails when one is
not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Sequence

    from antidrug_core.checkpoints import SignatureScheme
    from antidrug_core.indicators.definitions import IndicatorDefinition
    from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult
    from antidrug_core.interchange.spreadsheet import Workbook
    from antidrug_core.model import DivisionTree, Notice
    from antidrug_core.ports import Recorder, Scope, StoreContext
    from antidrug_core.registry import Registry
    from antidrug_core.reports.templates import Renderer, ReportTemplate
    from antidrug_core.rules import RuleRegistry

__all__ = ["hookspec"]

hookspec = pluggy.HookspecMarker("antidrug_core")


# --- Storage ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def antidrug_open_recorder(url: str, context: StoreContext) -> Recorder | None:
    """Open the storage for ``url`` if this plugin handles its scheme.

    First result wins. Return None for a URL you do not handle, so the next
    plugin can; raise ``StoreUnavailable`` (naming the URL with its password
    masked, and what to install or check) for one you handle but cannot open.

    Args:
        url: A store URL: ``memory://``, ``sqlite:///path``,
            ``postgresql+psycopg://…``, ``mysql+pymysql://…``.
        context: What the store may need from the host (the identity key).
    """


@hookspec(firstresult=True)
def antidrug_identity_key() -> bytes | None:
    """Supply the 32-byte key that encrypts identities at rest.

    First result wins. A platform returns its key from its own key
    management; the key is never stored in the database. Return None to let
    the store fall back to its documented environment variable.
    """


@hookspec(firstresult=True)
def antidrug_new_identity_key() -> bytes | None:
    """Supply the 32-byte key ``antidrug keys rotate`` moves identities to.

    First result wins. Only a rotation asks for it; once it has finished,
    ``antidrug_identity_key`` must return this key. Return None to let the
    command read ``ANTIDRUG_NEW_IDENTITY_KEY``.
    """


@hookspec(firstresult=True)
def antidrug_checkpoint_key() -> bytes | None:
    """Supply the 32-byte Ed25519 private key that signs audit checkpoints.

    First result wins. The key lives in the host's key management, never in
    the database, so whoever can rewrite the database cannot sign a
    checkpoint for the rewritten history. Return None to let the command line
    fall back to ``ANTIDRUG_CHECKPOINT_KEY`` (64 hex digits).
    """


@hookspec(firstresult=True)
def antidrug_signature_scheme() -> SignatureScheme | None:
    """Provide the signature scheme that signs and checks audit checkpoints.

    First result wins. The built-in ``antidrug_signing`` plugin provides
    Ed25519; a host with a hardware security module provides its own, whose
    ``sign`` never lets the private key leave it.
    """


# --- Notices ------------------------------------------------------------------------------


@hookspec
def antidrug_deliver_notice(notice: Notice) -> None:
    """Deliver a notice (licence holder found, test overdue, lost contact,
    transfer waiting, ledger mismatch …) to the people who act on it.

    Called for every plugin, only after the unit of work that caused the
    notice has committed, so nobody is told of something that did not happen.
    A notice carries pseudonymous ids only.
    """


# --- Rules --------------------------------------------------------------------------------


@hookspec
def antidrug_register_rules(registry: RuleRegistry) -> None:
    """Add or replace local rules: test schedules per division, risk rule
    sets, level schemes, control measures, key dates and channels of
    publicity, rating schemes (考核细则). Called once when a store opens."""


# --- Indicators ---------------------------------------------------------------------------


@hookspec
def antidrug_register_indicators(registry: Registry[IndicatorDefinition]) -> None:
    """Add indicator definitions (data, not code): local indicators beside the standard catalogue.

    Called whenever the definitions in force are collected. The standard
    catalogue registers itself first; ``registry.add(definition)`` adds one,
    ``registry.add(definition, replace=True)`` deliberately replaces an entry
    with the same id. A definition is checked when it is built (or read with
    ``indicators.definition_from_data``) and refused with ``InvalidInput``
    naming every problem.
    """


@hookspec(firstresult=True)
def antidrug_evaluate_indicators(
    recorder: Recorder,
    scope: Scope,
    request: EvaluationRequest,
    definitions: Sequence[IndicatorDefinition],
    tree: DivisionTree,
) -> list[IndicatorResult] | None:
    """Evaluate ``definitions`` fast, straight from the store's own tables.

    First result wins. Return None to let the reference evaluator answer
    (for a recorder that is not yours, or a criterion you do not translate).
    A result list must be exactly what the reference evaluator would return
    for the same request: one result per reported division (sorted by code)
    and definition (in the order given), computed from the people in
    ``scope`` as known at ``request.known_at``, under ``request.policy``
    (always filled in here), in ``request.view``.

    Args:
        recorder: The store's recorder (check it is yours).
        scope: The divisions the actor may see (None: every division).
        request: Period, ``known_at``, policy, divisions to report (None:
            every division of ``tree`` and every division someone counts in,
            those the scope covers), view.
        definitions: The definitions to evaluate, in result order.
        tree: The division hierarchy used to add divisions up.
    """


# --- Reports ------------------------------------------------------------------------------


@hookspec
def antidrug_register_templates(registry: Registry[ReportTemplate]) -> None:
    """Add report templates (work summaries as data), or replace one on purpose.

    Called whenever the templates in force are collected. ``registry.add(t)``
    adds a template; ``registry.add(t, replace=True)`` replaces the one of the
    same name (a host's own wording of the library's half-year summary).
    A template naming a figure the indicator catalogue lacks is refused, with
    the template's name and the figure, before anything is computed or written.
    """


@hookspec
def antidrug_register_renderers(registry: Registry[Renderer]) -> None:
    """Add renderers (a ``Report`` to the bytes of one format), or replace one on purpose.

    Called whenever the renderers in force are collected. Markdown is built
    in; the first-party ``antidrug_reports`` plugin adds HTML and Word. A
    renderer is registered under its ``format`` (what ``--format`` names).
    """


# --- Spreadsheets -------------------------------------------------------------------------


@hookspec(firstresult=True)
def antidrug_read_workbook(path: str) -> Workbook | None:
    """Read the spreadsheet file at ``path`` as a workbook (sheet name → rows of cell values).

    First result wins. Return None for a file format you do not read. The
    first-party ``antidrug_spreadsheets`` plugin reads ``.xlsx``; CSV files
    are read by the command line itself.
    """


@hookspec(firstresult=True)
def antidrug_write_workbook(path: str, workbook: Workbook) -> bool | None:
    """Write ``workbook`` to ``path`` in the file's format; return True when written.

    First result wins. Return None for a file format you do not write.
    """
