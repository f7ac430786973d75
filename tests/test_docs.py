"""The Python code in the README and the docs runs, page by page."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
CODE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _pages_with_code() -> list[pathlib.Path]:
    return [page for page in PAGES if CODE.search(page.read_text(encoding="utf-8"))]


def test_the_docs_have_code_to_run():
    assert len(_pages_with_code()) >= 3


@pytest.mark.parametrize("page", _pages_with_code(), ids=lambda page: str(page.relative_to(ROOT)))
def test_code_on_page_runs(page: pathlib.Path, monkeypatch: pytest.MonkeyPatch):
    # Pages read the database URL from the environment; run them on their throwaway files.
    monkeypatch.delenv("B2B_CUSTOMERS_URL", raising=False)
    namespace: dict[str, object] = {"__name__": "docs"}
    for number, block in enumerate(CODE.findall(page.read_text(encoding="utf-8")), start=1):
        exec(compile(block, f"{page.name}[{number}]", "exec"), namespace)  # noqa: S102
