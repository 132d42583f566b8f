"""A writer killed at a random moment (SIGKILL) loses no acknowledged unit of work, leaves none half-done."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from antidrug_core.audit import verify_chain
from antidrug_core.model import Actor, Role
from antidrug_core.store import Store

WORKER = Path(__file__).with_name("worker.py")
READER = Actor(id="reader", role=Role.AUDITOR, divisions={"522631101"})
RECORDS_PER_PERSON = 3  # registration, status, face check
NAME = re.compile(r"U(\d+)([ab])")


def kill_while_writing(url: str, acks_before_kill: int, pause: float) -> int:
    """Run the unit writer, kill it after some acknowledgements and a pause; return the last unit acked."""
    writer = subprocess.Popen(
        [sys.executable, str(WORKER), "units", url, "U"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert writer.stdout is not None
    last = -1
    try:
        for line in writer.stdout:
            last = int(line.split()[1])
            if last + 1 >= acks_before_kill:
                break
        time.sleep(pause)
    finally:
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=30)
    assert last >= 0, err
    for line in out.splitlines():  # acknowledgements printed before the kill landed
        last = max(last, int(line.split()[1]))
    assert writer.returncode == -signal.SIGKILL
    return last


@pytest.mark.parametrize("seed", range(4))
def test_a_killed_writer_leaves_every_acknowledged_unit_whole_and_none_partial(
    seed: int, tmp_path: Path, open_sql: Callable[..., Store]
) -> None:
    rng = random.Random(seed)
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}"
    open_sql(url).close()
    acknowledged = kill_while_writing(url, rng.randint(1, 25), rng.uniform(0, 0.03))

    check = sqlite3.connect(path)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
    store = open_sql(url, create=False)
    units: dict[int, dict[str, int]] = defaultdict(dict)
    with store.unit_of_work(READER) as uow:
        for file in uow.files():
            match = NAME.fullmatch(file.person)
            assert match is not None
            units[int(match.group(1))][match.group(2)] = len(file)
    for unit in range(acknowledged + 1):
        assert units.get(unit) == {"a": RECORDS_PER_PERSON, "b": RECORDS_PER_PERSON}, f"unit {unit} lost"
    for unit, sides in units.items():
        assert sides == {"a": RECORDS_PER_PERSON, "b": RECORDS_PER_PERSON}, f"unit {unit} half-written"
    assert max(units) <= acknowledged + 1  # at most one unit committed but not yet acknowledged
    report = verify_chain(store.recorder.chain(), store.recorder.chain_head())  # type: ignore[attr-defined]
    assert report.intact
    assert report.records == len(units) * 2 * RECORDS_PER_PERSON
