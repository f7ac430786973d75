"""mypy --strict passes over the Python code of the README and the docs, page by page.

tests/test_docs.py runs each page's code; this checks it as a user's type
checker would. Each page's ```python blocks become one module (they run in
one namespace, in order), and mypy checks them all in one run, with the
project's strict settings, against the library in this checkout.

A block that is deliberately a fragment (it cannot stand on its own) is
left out with the comment ``<!-- no-typecheck: why -->`` on the line before
its fence; keep those few and say why.
"""

from __future__ import annotations

import pathlib
import re

import pytest
from mypy import api as mypy_api

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(
    r"^(?P<marker><!-- no-typecheck: [^>]+ -->\n)?```python\n(?P<code>.*?)^```",
    re.DOTALL | re.MULTILINE,
)
SEARCH_PATH = [ROOT / "src", ROOT / "examples" / "erp_adapter", ROOT / "examples" / "fastapi_app"]
"""Where the pages' imports resolve: the library and the example packages of this checkout."""

pytestmark = pytest.mark.slow


def module_name(page: pathlib.Path) -> str:
    """A module name for the code of ``page``: ``docs_how_to_web_app_postgresql``."""
    return re.sub(r"\W", "_", str(page.relative_to(ROOT).with_suffix("")))


def checked_code(page: pathlib.Path) -> str:
    """The code of ``page`` that mypy checks: its blocks in order, fragments left out."""
    blocks = [
        match["code"]
        for match in BLOCK.finditer(page.read_text(encoding="utf-8"))
        if match["marker"] is None
    ]
    return "\n".join(blocks)


def test_few_blocks_are_left_out():
    markers = sum(page.read_text(encoding="utf-8").count("<!-- no-typecheck") for page in PAGES)
    assert markers <= 3, "a page that cannot be type-checked is a page a user cannot copy"


def test_the_docs_code_passes_mypy_strict(tmp_path: pathlib.Path):
    modules = []
    for page in PAGES:
        code = checked_code(page)
        if code:
            module = tmp_path / f"{module_name(page)}.py"
            module.write_text(code, encoding="utf-8")
            modules.append(module)
    assert len(modules) >= 10
    config = tmp_path / "mypy.ini"
    config.write_text(
        "\n".join(
            [
                "[mypy]",
                "strict = True",
                "python_version = 3.11",
                "enable_error_code = ignore-without-code, redundant-expr, truthy-bool",
                "warn_unreachable = True",
                f"mypy_path = {':'.join(str(path) for path in SEARCH_PATH)}",
                f"cache_dir = {tmp_path / '.mypy_cache'}",
                "[mypy-moneyed.*]",
                "ignore_missing_imports = True",
                "[mypy-moneyed]",
                "ignore_missing_imports = True",
            ]
        ),
        encoding="utf-8",
    )
    report, errors, status = mypy_api.run(
        [
            "--config-file",
            str(config),
            *map(str, modules),
        ]
    )
    assert status == 0, f"mypy --strict on the docs' code:\n{report}{errors}"
