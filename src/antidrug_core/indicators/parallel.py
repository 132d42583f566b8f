"""The reference evaluator over files read in parts, each part counted where the caller says.

Each subject's file is counted on its own (``reference.tally_files``): its
populations are added to the division it counts in, and nothing in one file
changes what another counts. So the files can be split into parts, each part
counted apart — in another process, on another machine — and the parts'
tallies added (``reference.Tally.add_tally``): sizes and sums added, distinct
values united. The results are those of one pass over every file, figure for
figure, whatever the split and whatever order the parts finish in.

This module starts no process and reads nothing: the core stays pure. The
caller gives

* the parts, each a ``FileSource``: a callable that, where it is called,
  produces its part's files (reading a slice of a store, say). To run in
  another process it must be picklable: a module-level function, a
  ``functools.partial`` of one, or a frozen ``attrs`` class with
  ``__call__`` (as a store plugin's slice of its people is);
* and, to run them side by side, an ``Executor`` it made and owns (a
  ``concurrent.futures.ProcessPoolExecutor``). Without one, the parts are
  counted here, one after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor

from antidrug_core.indicators.definitions import IndicatorDefinition
from antidrug_core.indicators.reference import Tally, results_of_tally, tally_files
from antidrug_core.indicators.results import EvaluationRequest, IndicatorResult
from antidrug_core.model import DivisionCode, DivisionTree
from antidrug_core.rules.policy import Policy
from antidrug_core.state import SubjectFile

__all__ = ["FileSource", "evaluate_parts", "tally_part"]

FileSource = Callable[[], Iterable[SubjectFile]]
"""One part of the files: called where the part is counted, it yields the part's files."""


def tally_part(
    part: FileSource,
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    policy: Policy,
) -> Tally:
    """The tally of one part's files (what a worker process runs: module-level, so picklable)."""
    return tally_files(part(), definitions, request, policy=policy)


def evaluate_parts(
    parts: Sequence[FileSource],
    definitions: Sequence[IndicatorDefinition],
    request: EvaluationRequest,
    tree: DivisionTree,
    *,
    policy: Policy,
    divisions: Sequence[DivisionCode] | None = None,
    executor: Executor | None = None,
) -> list[IndicatorResult]:
    """What ``evaluate_files`` answers over the files of every part together.

    Args:
        parts: The parts; no subject's file may be in two of them (it
            would be counted twice), and together they hold every file.
        definitions, request, tree, policy, divisions: As for ``evaluate_files``.
        executor: Where each part is counted (``executor.submit``); None to
            count them here, in turn. The caller shuts it down.
    """
    total = Tally(len(definitions))
    if executor is None:
        for part in parts:
            total.add_tally(tally_part(part, definitions, request, policy))
    else:
        futures = [executor.submit(tally_part, part, definitions, request, policy) for part in parts]
        for future in futures:
            total.add_tally(future.result())
    return results_of_tally(total, definitions, request, tree, policy=policy, divisions=divisions)
