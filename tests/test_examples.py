"""Every script in examples/ runs to the end, and the demo too.

The scripts are the ``*.py`` files of examples/ and the ``*demo.py`` of each
example package in a folder of its own (the ERP adapter, the FastAPI app).
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted([*(ROOT / "examples").glob("*.py"), *(ROOT / "examples").glob("*/*demo.py")])


def test_there_are_examples():
    assert EXAMPLES
    assert ROOT / "examples" / "fastapi_app" / "api_demo.py" in EXAMPLES


@pytest.mark.slow  # each example is a program of its own
@pytest.mark.parametrize(
    "script", EXAMPLES, ids=lambda path: str(path.relative_to(ROOT / "examples"))
)
def test_example_runs(script: pathlib.Path, tmp_path: pathlib.Path):
    result = subprocess.run(  # noqa: S603  (our own scripts)
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example shows what it does"


@pytest.mark.slow  # the demo is a program of its own
def test_demo_runs(tmp_path: pathlib.Path):
    database = tmp_path / "demo.db"
    result = subprocess.run(  # noqa: S603  (our own command line)
        [sys.executable, "-m", "b2b_customers", "demo", "--db", str(database)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Allowed" in result.stdout
    assert "Approval required" in result.stdout
    assert "Routed to: Anna Admin" in result.stdout
    assert "the order is placed" in result.stdout
    assert "expires 1 request and releases its credit" in result.stdout
    assert "Denied" in result.stdout
    assert "on credit hold" in result.stdout
    assert "Aging on" in result.stdout
    assert str(database) in result.stdout, "the demo says where its database is"
    assert database.exists(), "the demo leaves its SQLite file behind"
