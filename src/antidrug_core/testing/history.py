"""Build one person's history record by record, for tests of derived state."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from antidrug_core.model import (
    PersonId,
    PersonRecord,
    PersonRegistered,
    Record,
    RecordVoided,
    registration_id,
)
from antidrug_core.state import PersonFile
from antidrug_core.testing.fakes import at

__all__ = ["History"]

R = TypeVar("R", bound=PersonRecord | RecordVoided)


class History:
    """A person's records, made in the order they are added, each recorded on its own day by default.

    >>> history = History("P1", household="522631101", on="2023-01-05")
    >>> check = history.add(FaceCheck, "2023-03-01", method="home_visit")
    >>> history.file().records[-1] == check
    True
    """

    def __init__(
        self, person: str = "P1", *, household: str = "522631101", on: str = "2020-01-01", **places: Any
    ):
        self.person = PersonId(person)
        self.records: list[Record] = []
        self.add(PersonRegistered, on, id=registration_id(self.person), household=household, **places)

    def add(
        self,
        cls: type[R],
        on: str | dt.date,
        *,
        recorded: str | dt.datetime | None = None,
        id: str | None = None,
        **fields: Any,
    ) -> R:
        """Append a ``cls`` record effective ``on``, recorded at 09:00 that day unless ``recorded`` says."""
        day = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
        if recorded is None:
            recorded_at = at(day)
        elif isinstance(recorded, str):
            recorded_at = dt.datetime.fromisoformat(recorded) if "T" in recorded else at(recorded)
        else:
            recorded_at = recorded
        record = cls(
            id=id or f"{self.person}-{len(self.records)}",
            person=self.person,
            on=day,
            recorded_at=recorded_at,
            recorded_by="test",
            **fields,
        )
        self.records.append(record)
        return record

    def file(self, known_at: str | dt.datetime | None = None) -> PersonFile:
        """The person file as known at ``known_at`` (an instant, or 18:00 China time on a day)."""
        if isinstance(known_at, str):
            known_at = dt.datetime.fromisoformat(known_at) if "T" in known_at else at(known_at, 18)
        return PersonFile.build(self.person, self.records, known_at)
