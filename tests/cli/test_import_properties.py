"""Import properties: exactly the bad rows are reported, and the import is all or nothing."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import pathlib
import re
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.cli import main
from b2b_customers.ids import CompanyId

from .conftest import fresh_copy, snapshot

_EXAMPLES = min(settings().max_examples, 25)
_LINE = re.compile(r": line (\d+)")
_CORRUPTIONS = {"currency": "EURO", "name": "", "time_zone": "Mars/Olympus"}
_counter = itertools.count()


@st.composite
def company_files(draw: st.DrawFn) -> tuple[list[dict[str, str]], set[int]]:
    """Rows of a company file in any order (parents anywhere), some corrupted; the bad lines."""
    size = draw(st.integers(1, 8))
    parents = [
        draw(st.none() | st.integers(0, index - 1)) if index else None for index in range(size)
    ]
    rows = [
        {
            "id": f"c{index}",
            "name": f"Company {index}",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "parent_id": "" if parent is None else f"c{parent}",
        }
        for index, parent in enumerate(parents)
    ]
    order = draw(st.permutations(range(size)))
    corrupted = draw(st.sets(st.sampled_from(range(size)), max_size=size))
    for index in corrupted:
        column = draw(st.sampled_from(sorted(_CORRUPTIONS)))
        rows[index][column] = _CORRUPTIONS[column]
    line_of = {index: position + 2 for position, index in enumerate(order)}
    bad = {line_of[index] for index in corrupted}
    # a row under a bad parent is bad too: its parent is neither in the file nor stored
    bad |= {line_of[index] for index, parent in enumerate(parents) if parent in corrupted}
    return [rows[index] for index in order], bad


@settings(max_examples=_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=company_files())
def test_exactly_the_bad_rows_are_reported_and_the_import_is_all_or_nothing(
    file: tuple[list[dict[str, str]], set[int]], migrated_template: pathlib.Path
) -> None:
    rows, bad = file
    with tempfile.TemporaryDirectory() as folder:
        url = fresh_copy(migrated_template, pathlib.Path(folder) / f"shop{next(_counter)}.db")
        path = pathlib.Path(folder) / "companies.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        before = snapshot(url)
        errors = _stderr_of(["import", "companies", str(path), "--url", url])
        if bad:
            assert errors.code == 1
            assert {int(line) for line in _LINE.findall(errors.text)} == bad
            assert snapshot(url) == before
        else:
            assert errors.code == 0, errors.text
            with SqlStore(url) as store, store.unit_of_work() as uow:
                stored = uow.companies.get_many(CompanyId(row["id"]) for row in rows)
                assert {company.id: company.parent_id or "" for company in stored} == {
                    row["id"]: row["parent_id"] for row in rows
                }


class _Run:
    def __init__(self, code: int, text: str) -> None:
        self.code = code
        self.text = text


def _stderr_of(argv: list[str]) -> _Run:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return _Run(code, err.getvalue())
