"""What an indicator evaluation produces, for every evaluator and every consumer.

The reference evaluator and any fast evaluator return the same
``IndicatorResult`` values; reports bind to them; ``antidrug rates`` prints
them in the ``antidrug-rates/1`` form (docs/reference/results.md).
"""

from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction

import attrs

from antidrug_core.indicators.definitions import Unit
from antidrug_core.indicators.period import Period
from antidrug_core.model import DivisionCode
from antidrug_core.rules.policy import Policy

__all__ = ["EvaluationRequest", "IndicatorResult", "View"]


class View(enum.StrEnum):
    """Whose people a figure counts."""

    RESPONSIBLE = "responsible"
    """People the division is responsible for at the period end (and those of divisions below)."""
    COOPERATING = "cooperating"
    """People the division co-manages but is not responsible for; never summed upward."""


@attrs.frozen(kw_only=True)
class IndicatorResult:
    """One indicator for one division and period: every gross count and the score."""

    indicator: str
    """The definition's id, e.g. ``face_check_rate``."""
    version: int
    """The definition's version."""
    digest: str
    """Digest of the definition's canonical form: proof of exactly which definition was used."""
    division: DivisionCode
    period: Period
    known_at: dt.datetime | None
    """Only records recorded by then were used; None for everything."""
    policy: Policy
    view: View = View.RESPONSIBLE
    unit: Unit = Unit.PERCENT
    """How ``value`` reads: a percentage, a ratio, a count, a sum, or a flag (1 yes, 0 no)."""
    initial_population: int
    denominator: int
    denominator_exclusion: int
    denominator_exception: int
    numerator: int
    numerator_exclusion: int
    value: Fraction | None
    """The exact figure (a score, a count, a sum; 1 or 0 for a flag), or None when there is
    none (see ``reason``)."""
    display: str
    """The score as people read it (``90.00%``; ``—`` when there is no value)."""
    reason: str | None = None
    """Why there is no value."""

    @property
    def counts(self) -> tuple[int, int, int, int, int, int]:
        """``(IP, D, DX, DE, N, NX)``, in the order of ``definitions.POPULATIONS``: what a
        writer or a digest of every figure takes whole, so that none is left out."""
        return (
            self.initial_population,
            self.denominator,
            self.denominator_exclusion,
            self.denominator_exception,
            self.numerator,
            self.numerator_exclusion,
        )

    @property
    def net_denominator(self) -> int:
        """``D − DX − DE``."""
        return self.denominator - self.denominator_exclusion - self.denominator_exception

    @property
    def net_numerator(self) -> int:
        """``N − NX``."""
        return self.numerator - self.numerator_exclusion


@attrs.frozen(kw_only=True)
class EvaluationRequest:
    """What to evaluate: the question an evaluator (reference or fast) answers."""

    period: Period
    known_at: dt.datetime | None = None
    policy: Policy | None = None
    """The settings to evaluate under; None for those of the data (the dataset's
    ``policy``, or the store's). Results always name the settings actually used."""
    indicators: tuple[str, ...] | None = None
    """Ids to evaluate; None for the whole catalogue."""
    divisions: tuple[DivisionCode, ...] | None = None
    """Divisions to report; None for every division known (every level)."""
    view: View = View.RESPONSIBLE
    """Whose people count: the responsible division's (aggregated upward), or a
    co-managing division's own view (never aggregated)."""
    organisation: str | None = None
    """Keep only this organisation's records in organisation figures (``--organisation``);
    None for every organisation's. Figures about people and units are unaffected."""
