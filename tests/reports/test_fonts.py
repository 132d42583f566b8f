"""Chinese chart labels on a machine without Chinese fonts: the demo run with the system's fonts hidden.

The demo runs in a process of its own whose view of the file system has
empty folders over the system's font folders (a private mount namespace,
``unshare --mount``: the tests run as root, as CI does), and with an empty
matplotlib cache, so it sees what a fresh server without desktop fonts has.
The same run with the packaged font hidden as well shows that the hiding
works, and that the fallback to codes is still there for a host that
removes the font.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from antidrug_reports.charts import CODE_LABEL_NOTE, packaged_cjk_font

from .conftest import outputs_text
from .printing import tool

SYSTEM_FONT_FOLDERS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/root/.fonts",
    "/root/.local/share/fonts",
)

DEMO = """
import sys
from antidrug_reports.charts import find_cjk_font, system_cjk_font
assert system_cjk_font() is None, f"a system font is still seen: {system_cjk_font()}"
print("font:", find_cjk_font())
from antidrug_core.cli import main
small = ["--people", "200", "--townships", "5"]
raise SystemExit(main(["demo", "--dir", sys.argv[1], "--db", "memory://", *small]))
"""


def run_demo_with_fonts_hidden(folder: Path, hide: list[str]) -> str:
    """Run the demo into ``folder`` with ``hide`` covered by empty folders; its standard output."""
    unshare = tool("unshare", "util-linux")
    if os.geteuid() != 0:
        pytest.fail(
            "hiding the system's fonts needs a private mount namespace: run the tests as root (as CI)"
        )
    mounts = " && ".join(f"mount -t tmpfs none {hidden}" for hidden in hide if Path(hidden).is_dir())
    script = f'{mounts} && exec "$@"' if mounts else 'exec "$@"'
    # A fresh matplotlib cache: the font list cached by an earlier run names the system's fonts.
    environment = {
        **os.environ,
        "MPLCONFIGDIR": str(folder / "mplconfig"),
        "XDG_DATA_HOME": str(folder / "xdg"),
    }
    namespace = [unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
    result = subprocess.run(
        [*namespace, sys.executable, "-c", DEMO, str(folder / "demo")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_without_system_fonts_the_demos_charts_are_labelled_in_chinese(tmp_path: Path) -> None:
    out = run_demo_with_fonts_hidden(tmp_path, list(SYSTEM_FONT_FOLDERS))
    assert f"font: {packaged_cjk_font()}" in out
    for name in ("summary-2025H2.docx", "summary-2025H2.html"):
        text = outputs_text(tmp_path / "demo" / name)
        assert CODE_LABEL_NOTE not in text, name
        assert "代码 / 名称" not in text, name


def test_only_a_host_that_removes_the_packaged_font_too_gets_charts_labelled_by_code(tmp_path: Path) -> None:
    packaged = packaged_cjk_font()
    assert packaged is not None
    out = run_demo_with_fonts_hidden(tmp_path, [*SYSTEM_FONT_FOLDERS, str(Path(packaged).parent)])
    assert "font: None" in out
    assert CODE_LABEL_NOTE in outputs_text(tmp_path / "demo" / "summary-2025H2.docx")
