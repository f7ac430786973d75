"""What the README and the guides promise a new user stays true as the library grows."""

from __future__ import annotations

import pathlib
import re

from b2b_customers import connect

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
SERVICES_ONLY = [
    ROOT / "docs" / "getting-started.md",
    ROOT / "docs" / "how-to" / "first-approval-flow.md",
]
"""The first pages a user reads: everything through the services, nothing below them."""


def _services() -> list[str]:
    app = connect("memory://")
    return sorted(
        name
        for name, value in vars(app).items()
        if type(value).__module__.startswith("b2b_customers.services.")
    )


def test_the_readme_lists_every_service():
    services = _services()
    assert len(services) >= 10
    listed = README.read_text(encoding="utf-8")
    assert [name for name in services if f"`app.{name}`" not in listed] == []


def test_no_page_says_a_service_is_missing():
    saying = re.compile(r"\bno\b[^.]{0,40}\bservice yet\b", re.IGNORECASE)
    assert [page.name for page in PAGES if saying.search(page.read_text(encoding="utf-8"))] == []


def test_the_first_pages_use_only_the_services():
    for page in SERVICES_ONLY:
        assert "unit_of_work" not in page.read_text(encoding="utf-8"), page.name


def test_no_page_installs_the_library_from_a_package_index():
    # Not published yet: install from a checkout (".[sql]", "/path/to/b2b-customers[postgres]").
    from_an_index = re.compile(r"pip install [^\n]*[\"']b2b-customers\[")
    assert [page.name for page in PAGES if from_an_index.search(page.read_text("utf-8"))] == []
