"""The documentation site builds strictly, and its API reference renders as Markdown, not reST.

Builds the site once (about 15 s) with ``mkdocs build --strict``, then reads
the HTML as a reader's browser would get it. Needs the ``docs`` extra; CI's
docs step runs this module after installing it.
"""

from __future__ import annotations

import html
import pathlib
import re
import subprocess
import sys

import pytest

pytest.importorskip("mkdocstrings", reason="the docs extra builds the site")

ROOT = pathlib.Path(__file__).resolve().parents[1]
REST_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):`?")
TAG = re.compile(r"<[^>]+>")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    directory = tmp_path_factory.mktemp("site")
    result = subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-5000:]}"
    return directory


def _pages(site: pathlib.Path) -> list[pathlib.Path]:
    return sorted(site.rglob("*.html"))


def test_no_page_shows_a_literal_rest_role(site: pathlib.Path):
    found = [
        f"{page.relative_to(site)}: ...{text[max(0, match.start() - 60) : match.end() + 60]}..."
        for page in _pages(site)
        for text in [page.read_text(encoding="utf-8")]
        for match in REST_ROLE.finditer(text)
    ]
    assert not found, "reST roles render as literal text; run the role conversion:\n" + "\n".join(
        found[:20]
    )


def test_no_doctest_renders_as_nested_blockquotes(site: pathlib.Path):
    quoted = [
        str(page.relative_to(site))
        for page in _pages(site)
        if re.search(r"<blockquote>\s*<blockquote>", page.read_text(encoding="utf-8"))
    ]
    assert not quoted, f"'>>>' examples render as blockquotes; fence them as python: {quoted}"


def test_the_reference_links_its_cross_references(site: pathlib.Path):
    ports = (site / "reference" / "ports" / "index.html").read_text(encoding="utf-8")
    assert 'href="../errors/#b2b_customers.errors.StaleVersion"' in ports


def test_attrs_classes_show_their_constructor(site: pathlib.Path):
    model = (site / "reference" / "domain" / "model" / "index.html").read_text(encoding="utf-8")
    heading = model.index('id="b2b_customers.domain.Company"')
    signature = html.unescape(TAG.sub("", model[heading : model.index("doc-class-bases", heading)]))
    assert "Company(" in signature
    assert "currency: str," in signature
    assert "parent_id: CompanyId | None = None," in signature


def test_no_reference_page_is_enormous(site: pathlib.Path):
    sizes = {}
    for page in (site / "reference").rglob("index.html"):
        main = page.read_text(encoding="utf-8")
        start = main.find('<article class="md-content__inner')
        text = TAG.sub(" ", main[start : main.find("</article>", start)])
        sizes[str(page.relative_to(site))] = len(text.split())
    assert max(sizes.values()) < 8_000, sizes
