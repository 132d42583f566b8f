"""The boundaries DESIGN.md draws: a pure core that starts nothing when imported."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "src" / "antidrug_core"
FORBIDDEN_IN_CORE = {
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pymysql",
    "docx",
    "matplotlib",
    "jinja2",
    "openpyxl",
    "cryptography",
    "requests",
    "socket",
    "sqlite3",
}
PLUGIN_PACKAGES = {
    p.name for p in (ROOT / "plugins").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_imports_no_storage_rendering_or_network_library() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN_IN_CORE)
        for path in CORE.rglob("*.py")
        if imported_modules(path) & FORBIDDEN_IN_CORE
    }
    assert offenders == {}


def test_the_core_never_names_a_plugin_package() -> None:
    assert PLUGIN_PACKAGES, "there are first-party plugins to check against"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & PLUGIN_PACKAGES)
        for path in CORE.rglob("*.py")
        if imported_modules(path) & PLUGIN_PACKAGES
    }
    assert offenders == {}


def test_the_model_imports_nothing_else_of_the_package() -> None:
    for path in (CORE / "model").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("antidrug_core"):
                assert node.module.startswith("antidrug_core.model"), f"{path.name} imports {node.module}"


def test_importing_the_library_loads_no_database_library_and_no_plugin() -> None:
    probe = (
        "import sys, antidrug_core, antidrug_core.services, antidrug_core.indicators;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy','psycopg','pymysql','docx','matplotlib','antidrug_memory','antidrug_sql','antidrug_reports'});"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_loading_the_installed_plugins_imports_no_heavy_library() -> None:
    probe = (
        "import sys; from antidrug_core.plugins import make_plugin_manager; make_plugin_manager();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy','psycopg','pymysql','docx','matplotlib','jinja2','alembic'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
