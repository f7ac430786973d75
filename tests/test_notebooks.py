"""The notebooks in examples/notebooks/ run headless to the end, and are stored without outputs."""

from __future__ import annotations

import functools
import pathlib
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))


def _read(path: pathlib.Path) -> nbformat.NotebookNode:
    # nbformat has no type annotations.
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    return notebook


def _outputs(notebook: nbformat.NotebookNode, output_type: str) -> list[nbformat.NotebookNode]:
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == output_type
    ]


def test_there_are_notebooks():
    assert FOLDER / "explore_limits.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_stored_without_outputs(path: pathlib.Path):
    notebook = _read(path)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {number} keeps its outputs: clear them"
            assert cell.execution_count is None, f"cell {number} keeps its execution count"


@functools.cache
def _executed(path: pathlib.Path) -> nbformat.NotebookNode:
    """Run a notebook once per test session, from the repository root, without a display.

    Jupyter starts a kernel in the notebook's folder; VS Code and
    ``jupyter nbconvert --execute`` from a shell may start it at the root, so
    the notebooks must find their data from there too.
    """
    notebook = _read(path)
    with pytest.MonkeyPatch.context() as patch:
        # Headless: the kernel inherits the environment, and the inline backend draws with
        # Agg into PNG outputs (plain "Agg" would draw nothing the test could see).
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=300,
            resources={"metadata": {"path": str(ROOT)}},
        ).execute()  # raises CellExecutionError, with the traceback, when a cell fails
    return notebook


def _printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.text for output in _outputs(notebook, "stream"))


def _tables(notebook: nbformat.NotebookNode) -> list[str]:
    """The plain-text form of every table a cell shows (a DataFrame as its last line)."""
    return [
        output.data["text/plain"]
        for output in _outputs(notebook, "execute_result")
        if "text/html" in output.data
    ]


def _charts(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [output for output in _outputs(notebook, "display_data") if "image/png" in output.data]


@pytest.mark.slow  # a kernel per notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_to_the_end(path: pathlib.Path):
    notebook = _executed(path)
    assert not _outputs(notebook, "error")
    assert _printed(notebook).strip(), "a notebook shows what it found"
    assert all(
        cell.execution_count is not None for cell in notebook.cells if cell.cell_type == "code"
    )


@pytest.mark.slow  # runs the notebook's code
def test_explore_limits_compares_two_budgets_and_ages_open_invoices():
    notebook = _executed(FOLDER / "explore_limits.ipynb")
    printed = _printed(notebook)
    assert "220 orders of 3 companies" in printed
    assert "10k a month:" in printed
    assert "15k a month:" in printed
    assert "Approval required" in printed  # a decision explains itself
    summary, aging = _tables(notebook)  # pandas shows them, no table printer of its own
    assert "approval" in summary
    assert "all" in summary
    assert "over 120" in aging  # the aging table has every bucket
    assert len(_charts(notebook)) == 2  # spend against the budgets, and the aging


def test_order_history_is_what_its_script_writes(tmp_path: pathlib.Path):
    written = tmp_path / "order_history.csv"
    result = subprocess.run(  # noqa: S603  (our own script)
        [sys.executable, str(FOLDER / "make_order_history.py"), str(written)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    bundled = (FOLDER / "order_history.csv").read_text(encoding="utf-8")
    assert written.read_text(encoding="utf-8") == bundled, (
        "order_history.csv differs from what make_order_history.py writes: run the script again"
    )
