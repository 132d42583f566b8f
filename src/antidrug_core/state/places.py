"""Where a person belongs on a date: places, transfers and the responsible division.

户籍地为主、居住地为辅: by default the household place is responsible and the
residence place cooperates (the policy can reverse it). A two-sided transfer,
once accepted, makes the receiving division responsible from the acceptance
date; only another accepted transfer moves responsibility after that, so it
never moves without both sides acting. Nobody is ever without a responsible
division.
"""

from __future__ import annotations

import datetime as dt

import attrs

from antidrug_core.model import (
    ActivityChanged,
    DivisionCode,
    HouseholdChanged,
    ResidenceChanged,
    TransferAccepted,
    TransferRejected,
    TransferRequested,
    ancestors,
)
from antidrug_core.rules.policy import Policy, Responsibility
from antidrug_core.state.person_file import PersonFile, canonical_order, latest_on_or_before

__all__ = [
    "Places",
    "TransferState",
    "accepted_transfer_on",
    "access_divisions",
    "cooperating_divisions_on",
    "places_on",
    "responsible_division_on",
    "transfers",
]


@attrs.frozen
class Places:
    """A person's places on one date."""

    household: DivisionCode
    """户籍地."""
    residence: DivisionCode | None
    """现居住地, if known."""
    activity: DivisionCode | None
    """实际活动地, if known and recorded."""


def places_on(file: PersonFile, day: dt.date) -> Places:
    """The person's places on ``day``.

    Raises:
        LookupError: when the file has no registration (no places are known).
    """
    registration = file.registration
    if registration is None:
        raise LookupError(f"person {file.person} has no registration record")
    household_change = latest_on_or_before(file.of_type(HouseholdChanged), day)
    residence_change = latest_on_or_before(file.of_type(ResidenceChanged), day)
    activity_change = latest_on_or_before(file.of_type(ActivityChanged), day)
    return Places(
        household=household_change.household if household_change else registration.household,
        residence=residence_change.residence if residence_change else registration.residence,
        activity=activity_change.activity if activity_change else registration.activity,
    )


@attrs.frozen
class TransferState:
    """A transfer request and its answer as known in the file."""

    request: TransferRequested
    answer: TransferAccepted | TransferRejected | None

    def pending_on(self, day: dt.date) -> bool:
        """Requested on or before ``day`` and not yet answered then."""
        return self.request.on <= day and (self.answer is None or self.answer.on > day)

    def accepted_on(self, day: dt.date) -> bool:
        """Accepted on or before ``day``."""
        return isinstance(self.answer, TransferAccepted) and self.answer.on <= day


def transfers(file: PersonFile) -> list[TransferState]:
    """Every transfer request with its first effective answer, in request order."""
    answers: dict[str, TransferAccepted | TransferRejected] = {}
    candidates: list[TransferAccepted | TransferRejected] = [
        *file.of_type(TransferAccepted),
        *file.of_type(TransferRejected),
    ]
    for answer in sorted(candidates, key=canonical_order):
        answers.setdefault(answer.request, answer)
    return [TransferState(request, answers.get(request.id)) for request in file.of_type(TransferRequested)]


def accepted_transfer_on(file: PersonFile, day: dt.date) -> TransferState | None:
    """The transfer whose acceptance last took effect on or before ``day``."""
    accepted = [t for t in transfers(file) if t.accepted_on(day)]
    if not accepted:
        return None
    return max(accepted, key=lambda t: (t.answer.on, t.answer.recorded_at, t.answer.id))  # type: ignore[union-attr]


def responsible_division_on(file: PersonFile, day: dt.date, policy: Policy) -> DivisionCode:
    """The one division responsible for the person on ``day``."""
    transfer = accepted_transfer_on(file, day)
    if transfer is not None:
        return transfer.request.to_division
    places = places_on(file, day)
    if policy.responsible is Responsibility.RESIDENCE_FIRST and places.residence is not None:
        return places.residence
    return places.household


def cooperating_divisions_on(file: PersonFile, day: dt.date, policy: Policy) -> frozenset[DivisionCode]:
    """The divisions that co-manage the person on ``day`` (双向管控): every place
    of the person that is not the responsible division."""
    places = places_on(file, day)
    responsible = responsible_division_on(file, day, policy)
    linked = {places.household, places.residence, places.activity}
    return frozenset(code for code in linked if code is not None and code != responsible)


def access_divisions(file: PersonFile, policy: Policy) -> frozenset[DivisionCode]:
    """The divisions whose actors may see the person now, with every division above them.

    "Now" is the latest state the file holds, whatever its date. The
    responsible division, the cooperating ones, and the receiving side of a
    pending transfer see the person; so does every division above them.
    Stores keep this set per person so that scoping is a plain filter in
    their queries.
    """
    if file.registration is None:
        return frozenset()
    day = dt.date.max
    direct = {
        responsible_division_on(file, day, policy),
        *cooperating_divisions_on(file, day, policy),
    }
    direct.update(t.request.to_division for t in transfers(file) if t.answer is None)
    return frozenset(code for d in direct for code in (d, *ancestors(d)))
