"""Developer sessions: ``nox -l`` lists them, ``nox -s tests`` runs one.

Dependencies come from the extras in ``pyproject.toml`` (the same lists as
its ``[dependency-groups]``), so pip 23 installs them too.
"""

from __future__ import annotations

import os
import pathlib

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "typing", "lint", "docs", "examples"]

DATABASES = ["memory", "sqlite", "postgresql"]
POSTGRES_URL = "postgresql+psycopg://b2b:b2b@127.0.0.1:5432/b2b_test"


@nox.session
@nox.parametrize("database", DATABASES)
def tests(session: nox.Session, database: str) -> None:
    """Run the test suite against one database backend.

    ``memory`` and ``sqlite`` need nothing; ``postgresql`` needs a server at
    ``B2B_POSTGRES_URL`` (default: the URL ``.ci/run`` sets up).
    """
    session.install("-e", ".[test]")
    env = {"B2B_DATABASE": database}
    if database == "postgresql":
        env["B2B_POSTGRES_URL"] = os.environ.get("B2B_POSTGRES_URL", POSTGRES_URL)
    session.run("pytest", *session.posargs, env=env)


@nox.session
def typing(session: nox.Session) -> None:
    """Type-check the package and the tests with mypy --strict."""
    session.install("-e", ".[typing]")
    session.run("mypy")


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly (warnings are errors)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session
def examples(session: nox.Session) -> None:
    """Run every script in examples/ (the test suite runs them too)."""
    session.install("-e", ".[sql]")
    for script in sorted(pathlib.Path("examples").glob("*.py")):
        session.run("python", str(script))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark in ``benchmarks/`` and print figures and ratios.

    The PostgreSQL parts need ``B2B_POSTGRES_URL``; see docs/benchmarks.md.
    Arguments after ``--`` go to every script.
    """
    session.install("-e", ".[postgres]")
    for script in sorted(pathlib.Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
