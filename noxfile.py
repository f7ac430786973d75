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

PYTHONS = ["3.11", "3.12", "3.13"]
"""The versions the classifiers in pyproject.toml claim; a missing one is skipped locally."""

DATABASES = {
    "memory": "not sqlite and not postgresql",
    "sqlite": "sqlite and not postgresql",
    "postgresql": "postgresql",
}
"""Each database's share of the suite, as a pytest marker expression (see tests/conftest.py)."""

POSTGRES_URL_VARIABLE = "B2B_TEST_POSTGRES_URL"
POSTGRES_URL = "postgresql+psycopg://b2b:b2b@127.0.0.1:5432/b2b_test"
"""The server ``.ci/run`` starts; used when ``B2B_TEST_POSTGRES_URL`` is not set."""


@nox.session(python=PYTHONS)
@nox.parametrize("database", list(DATABASES))
def tests(session: nox.Session, database: str) -> None:
    """Run one database's share of the test suite, on each Python version.

    ``memory``: the domain, the memory store, the docs and the examples;
    ``sqlite``: everything that runs on SQLite files; ``postgresql``: the
    tests that need a server at ``B2B_TEST_POSTGRES_URL`` (default: the URL
    ``.ci/run`` sets up). The three shares make the whole suite, each test
    once. ``nox -s "tests-3.12(database='sqlite')"`` runs one; arguments
    after ``--`` go to pytest.
    """
    session.install("-e", ".[test]")
    env = {}
    if database == "postgresql":
        env[POSTGRES_URL_VARIABLE] = _postgres_url()
    session.run("pytest", "-m", DATABASES[database], *session.posargs, env=env)


@nox.session
def quick(session: nox.Session) -> None:
    """The fast loop: no slow or PostgreSQL tests, in parallel, few Hypothesis examples.

    A useful signal in under a minute on two cores (see docs/development.md).
    Before you push, run the whole suite: ``python -m pytest`` (the README's
    command).
    """
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-n",
        "auto",
        "-m",
        "not slow and not postgresql",
        "--hypothesis-profile=fast",
        "-q",
        *session.posargs,
    )


def _postgres_url() -> str:
    return (
        os.environ.get(POSTGRES_URL_VARIABLE)
        or os.environ.get("B2B_POSTGRES_URL")  # the deprecated name
        or POSTGRES_URL
    )


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
    """Build the documentation site strictly (warnings are errors), and check its HTML.

    tests/test_docs_site.py builds it again into a temporary folder and fails on
    a literal reST role, a doctest rendered as blockquotes or a class without
    its constructor.
    """
    session.install("-e", ".[docs,testing]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
    session.run("pytest", "tests/test_docs_site.py", "-p", "no:cacheprovider", "-q")


@nox.session
def examples(session: nox.Session) -> None:
    """Run every script in examples/ and the FastAPI walkthrough (the tests run them too)."""
    session.install("-e", ".[sql]", "fastapi", "httpx")
    for script in sorted(pathlib.Path("examples").glob("*.py")):
        session.run("python", str(script))
    session.run("python", "examples/fastapi_app/api_demo.py")


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark in ``benchmarks/`` and print figures and ratios.

    The PostgreSQL parts use ``B2B_TEST_POSTGRES_URL``; see docs/benchmarks.md.
    Arguments after ``--`` go to every script.
    """
    session.install("-e", ".[postgres-binary]")
    url = _postgres_url()
    env = {POSTGRES_URL_VARIABLE: url}
    for script in sorted(pathlib.Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs, env=env)
