"""Embedding antidrug_core: an in-memory store, a notification plugin of our own, a day's work.

A host platform would pass its own database URL and deliver notices through
its message bus; the shape is the same.

Run: ``python examples/embed_with_notifier.py``
"""

from __future__ import annotations

import datetime as dt

import antidrug_core as ad
from antidrug_core import services
from antidrug_core.model import FaceCheckMethod, Notice, TestKind, TestResult
from antidrug_core.state import DueStatus, due_tests, status_on

TOWNSHIP = "522631101"


class DutyPhone:
    """Our notification plugin: a real one would text the duty officer of each division."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    @ad.hookimpl
    def antidrug_deliver_notice(self, notice: Notice) -> None:
        for division in sorted(notice.divisions):
            self.sent.append(f"[{division}] {notice.kind}: {notice.message}")


def main() -> list[str]:
    phone = DutyPhone()
    clock = ad.FixedClock(dt.datetime(2023, 6, 30, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    store = ad.open_store("memory://", clock=clock, extra_plugins=[phone])
    officer = ad.Actor(id="zhuangan-01", role=ad.Role.OFFICER, divisions={TOWNSHIP})

    with store.unit_of_work(officer) as uow:
        person = services.register_person(
            uow, household=TOWNSHIP, on=dt.date(2023, 1, 10), status=ad.Status.COMMUNITY_DETOX
        )
        services.schedule_tests(uow, person, through=dt.date(2023, 6, 30))
        services.record_face_check(uow, person, dt.date(2023, 3, 2), FaceCheckMethod.HOME_VISIT)
        services.record_test_result(uow, person, dt.date(2023, 2, 12), TestKind.URINE, TestResult.NEGATIVE)
        services.record_licence_found(uow, person, dt.date(2023, 3, 2))
        uow.commit()  # the licence notice goes out now, not before

    with store.unit_of_work(officer) as uow:
        file = uow.file(person)
        print("status on 2023-06-30:", status_on(file, dt.date(2023, 6, 30)))
        for state in due_tests(file, dt.date(2023, 6, 30), store.policy):
            if state.status is not DueStatus.DONE:
                print("test due", state.due.on, "is", state.status)
        services.notify_overdue_tests(uow, dt.date(2023, 6, 30))
        uow.commit()

    for line in phone.sent:
        print(line)
    store.close()
    return phone.sent


if __name__ == "__main__":
    main()
