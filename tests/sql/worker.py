"""A writer process for the SQL store's multi-process tests (run as a script, not collected).

``python worker.py append URL PERSON COUNT LABEL``
    Opens the store, prints ``ready LABEL`` and waits for a line on standard
    input (so that every writer starts at once), then appends COUNT face
    checks to PERSON, one unit of work each, retrying on
    ``ConcurrencyConflict``; prints ``ack LABEL N`` after each commit returns
    and ``conflicts LABEL N`` at the end.

``python worker.py units URL PREFIX``
    Commits units of work for ever, each registering two people
    ``<PREFIX><n>a`` and ``<PREFIX><n>b`` with a status and a face check;
    prints ``ack n`` after each commit returns. Meant to be killed.

The identity key comes from ``ANTIDRUG_IDENTITY_KEY``.
"""

from __future__ import annotations

import datetime as dt
import sys

from antidrug_core.bootstrap import open_store
from antidrug_core.model import Actor, ConcurrencyConflict, FaceCheckMethod, PersonId, Role, Status
from antidrug_core.services import record_face_check, register_person

TOWNSHIP = "522631101"
OFFICER = Actor(id="worker", role=Role.OFFICER, divisions={TOWNSHIP})


def append(url: str, person: str, count: int, label: str) -> None:
    conflicts = 0
    with open_store(url, create=False) as store:
        print(f"ready {label}", flush=True)
        sys.stdin.readline()
        for n in range(count):
            while True:
                try:
                    with store.unit_of_work(OFFICER) as uow:
                        record_face_check(
                            uow, PersonId(person), dt.date(2023, 3, 1), FaceCheckMethod.HOME_VISIT
                        )
                        uow.commit()
                except ConcurrencyConflict:
                    conflicts += 1
                    continue
                print(f"ack {label} {n}", flush=True)
                break
    print(f"conflicts {label} {conflicts}", flush=True)


def units(url: str, prefix: str) -> None:
    with open_store(url, create=False) as store:
        n = 0
        while True:
            with store.unit_of_work(OFFICER) as uow:
                for side in ("a", "b"):
                    person = register_person(
                        uow,
                        person=PersonId(f"{prefix}{n}{side}"),
                        household=TOWNSHIP,
                        on=dt.date(2023, 1, 5),
                        status=Status.COMMUNITY_DETOX,
                    )
                    record_face_check(uow, person, dt.date(2023, 3, 1), FaceCheckMethod.VIDEO_CALL)
                uow.commit()
            print(f"ack {n}", flush=True)
            n += 1


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "append":
        append(arguments[0], arguments[1], int(arguments[2]), arguments[3])
    elif command == "units":
        units(arguments[0], arguments[1])
    else:
        raise SystemExit(f"unknown command {command!r}")
