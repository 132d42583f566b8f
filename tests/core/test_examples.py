"""The examples run, and do what their docstrings say."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_embedding_example_delivers_its_notices_after_commit(capsys: object) -> None:
    namespace = runpy.run_path(str(EXAMPLES / "embed_with_notifier.py"))
    sent = namespace["main"]()
    assert sent == [
        "[522631101] licence_found: 管控对象持有机动车驾驶证，请通报交管部门。",
        "[522631101] test_overdue: 2023-06-10 应做尿检未完成。",
    ]
