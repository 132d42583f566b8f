"""Installation-wide policy: who is responsible, how long a test window is, which time zone.

Local documents differ by province (docs/reference/dataset.md, policy); each choice here has the
national practice as default and is data a host can change.
"""

from __future__ import annotations

import enum

import attrs

from antidrug_core.clock import DEFAULT_TIME_ZONE, zone

__all__ = ["Policy", "Responsibility"]


class Responsibility(enum.StrEnum):
    """Which place is responsible by default (户籍地为主、居住地为辅, or the reverse)."""

    HOUSEHOLD_FIRST = "household_first"
    """National practice: the household place is responsible."""
    RESIDENCE_FIRST = "residence_first"
    """Shanghai and Shandong: the residence place is responsible (household if unknown)."""


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative")


def _known_zone(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    zone(value)


@attrs.frozen(kw_only=True)
class Policy:
    """The settings every derivation and indicator is computed under.

    A result names the policy it used, so a figure computed under residence
    first is never mistaken for one under household first.
    """

    responsible: Responsibility = Responsibility.HOUSEHOLD_FIRST
    """Which place is responsible when no transfer says otherwise."""
    test_window_days: int = attrs.field(default=7, validator=_non_negative)
    """A due test is on time when taken within this many days either side of its date."""
    missed_after_days: int = attrs.field(default=30, validator=_non_negative)
    """After the window closes, a test not taken is overdue for this many days, then missed."""
    time_zone: str = attrs.field(default=DEFAULT_TIME_ZONE, validator=_known_zone)
    """The jurisdiction's time zone; every date is a local date in it."""
