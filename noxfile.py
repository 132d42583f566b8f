"""Developer sessions: ``nox -s tests lint typecheck docs bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.default_venv_backend = "venv"

DEV = ".[dev]"
CODE = ("src", "plugins", "tests", "examples", "benchmarks", "noxfile.py")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (the same command README and .ci/run use)."""
    session.install("-e", DEV)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: style and common mistakes."""
    session.install("ruff")
    session.run("ruff", "check", *CODE)
    session.run("ruff", "format", "--check", *CODE)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the library and its plugins."""
    session.install("-e", DEV)
    session.run("mypy", "--strict", "src", "plugins")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning fails the build."""
    session.install("-e", DEV)
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def catalogue(session: nox.Session) -> None:
    """Rewrite the generated catalogue page of the reference from the shipped definitions."""
    session.install("-e", DEV)
    session.run(
        "antidrug",
        "catalogue",
        "--standard",
        "--format",
        "markdown",
        "--output",
        "docs/reference/catalogue.md",
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (speed goals live here, never in timed unit tests)."""
    session.install("-e", DEV)
    session.run("python", "-m", "benchmarks", *session.posargs)
