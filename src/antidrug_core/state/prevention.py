"""What an organisation's work log says holds on a date: volunteers, leading group, plants, rating.

Pure functions of the records in effect (voids already applied, as an
organisation's file or a person file gives them), in any order: each
function puts them in canonical order itself, so the answer never depends
on the order in which records arrived.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from antidrug_core.model import (
    DivisionCode,
    LeadingGroupSet,
    OrganisationId,
    PlantsDestroyed,
    PlantsFound,
    RatingAssessed,
    Record,
    VolunteerJoined,
    VolunteerLeft,
)
from antidrug_core.rules.prevention import RatingScheme
from antidrug_core.state.person_file import canonical_order
from antidrug_core.state.subjects import OrganisationFile, organisation_on

__all__ = [
    "RatedOrganisation",
    "Rating",
    "leading_group_on",
    "plants_not_destroyed_on",
    "rating_on",
    "ratings_on",
    "volunteers_on",
]


_order = canonical_order


def volunteers_on(records: Iterable[Record], day: dt.date) -> frozenset[str]:
    """禁毒义工: the volunteers on the team at the end of ``day``.

    A volunteer is on the team when their last join or leave on or before
    ``day``, in canonical order (date, recording time, id), is a join: the
    catalogue's ``volunteers`` counts the same way (a join not followed by a
    leave), so a file and a figure never disagree.
    """
    last: dict[str, tuple[tuple[dt.date, dt.datetime, str], bool]] = {}
    for record in records:
        if isinstance(record, VolunteerJoined | VolunteerLeft) and record.on <= day:
            key = canonical_order(record)
            if record.volunteer not in last or key > last[record.volunteer][0]:
                last[record.volunteer] = (key, isinstance(record, VolunteerJoined))
    return frozenset(volunteer for volunteer, (_, joined) in last.items() if joined)


def leading_group_on(records: Iterable[Record], day: dt.date) -> LeadingGroupSet | None:
    """领导小组: the leading group in force on ``day`` (the latest set on or before it)."""
    groups = sorted((r for r in records if isinstance(r, LeadingGroupSet) and r.on <= day), key=_order)
    return groups[-1] if groups else None


def plants_not_destroyed_on(records: Iterable[Record], day: dt.date) -> tuple[PlantsFound, ...]:
    """未铲除: findings made on or before ``day`` whose plants were not destroyed by then, in date order."""
    kept = list(records)
    destroyed = {r.found for r in kept if isinstance(r, PlantsDestroyed) and r.on <= day}
    found = (r for r in kept if isinstance(r, PlantsFound) and r.on <= day and r.id not in destroyed)
    return tuple(sorted(found, key=canonical_order))


@attrs.frozen
class Rating:
    """A rating in force: its record, scheme, total and stars."""

    organisation: OrganisationId
    """Who was rated."""
    record: RatingAssessed
    """The assessment in force."""
    scheme: RatingScheme | None
    """The scheme it was assessed under, or None when the rules in force do not know it."""
    total: Decimal
    """The sum of the scores."""
    stars: int | None
    """Stars earned under the scheme (0 below the first level); None without the scheme."""

    @property
    def scores(self) -> Mapping[str, Decimal]:
        """Item → points."""
        return self.record.score_of()


def rating_on(records: Iterable[Record], day: dt.date, schemes: Mapping[str, RatingScheme]) -> Rating | None:
    """星级评定: the rating in force on ``day`` (the latest assessed on or before it), with its stars."""
    ratings = sorted((r for r in records if isinstance(r, RatingAssessed) and r.on <= day), key=_order)
    if not ratings:
        return None
    record = ratings[-1]
    scheme = schemes.get(record.scheme)
    total = sum((s.score for s in record.scores), Decimal(0))
    return Rating(
        organisation=record.organisation,
        record=record,
        scheme=scheme,
        total=total,
        stars=None if scheme is None else scheme.stars_for(total),
    )


@attrs.frozen
class RatedOrganisation:
    """One line of ``antidrug ratings``: an organisation and the rating in force on a date."""

    organisation: OrganisationId
    """Its id."""
    name: str
    """Its name on the date."""
    division: DivisionCode
    """Its division on the date."""
    rating: Rating
    """The rating in force."""


def ratings_on(
    files: Iterable[OrganisationFile], day: dt.date, schemes: Mapping[str, RatingScheme]
) -> list[RatedOrganisation]:
    """Every organisation of ``files`` with a rating in force on ``day``, by division then id."""
    found: list[RatedOrganisation] = []
    for file in files:
        state = organisation_on(file, day)
        rating = rating_on(file, day, schemes)
        if state is not None and rating is not None:
            found.append(RatedOrganisation(file.organisation, state.name, state.division, rating))
    return sorted(found, key=lambda r: (r.division, r.organisation))
