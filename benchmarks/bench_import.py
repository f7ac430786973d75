"""``b2b-customers import`` of N companies and 3 N customers against ``add_many`` of the same rows.

Writes the rows of ``bench_bulk_import.build`` (a tenth of the companies
top-level, the others their subsidiaries; one membership per customer) to
two CSV files, then, on a fresh database each:

* ours: ``b2b-customers import companies`` then ``import customers`` in a
  child process (timed from start to exit, Python's start-up included), with
  everything the command does: reading the file once and building (validating)
  every row's entity, checking each batch against the file and the database,
  then writing the companies, customers, automatic customer groups and their
  members, events and audit entries, batch by batch in one transaction;
* the baseline: ``uow.companies.add_many`` and ``uow.customers.add_many`` of
  the same entities, built beforehand and not timed, in one unit of work.

For scale, a second line adds to the baseline one pass of the command
line's own reading of the files into validated entities (which the
baseline does not do). A third line is a floor: the baseline plus the
database's own time to write the rows the import writes beyond
``add_many``'s (events, audit entries, groups and their members), copied
from the import's database with ``INSERT ... SELECT`` (no Python per row).
No import that records and groups every row can beat it.

The target is at most 2x. The peak RSS of the import's child processes is
reported as each reads it from ``/proc/self/status`` (``VmHWM``) when it
exits: ``getrusage(RUSAGE_CHILDREN)`` would count the benchmark's own
memory (every entity, built for the baseline) that a child had before it
started Python. PostgreSQL runs when ``B2B_TEST_POSTGRES_URL``
is set, in a fresh schema per side, dropped afterwards.

    python benchmarks/bench_import.py                    # 100,000 + 300,000
    python benchmarks/bench_import.py --companies 10000 --database sqlite
"""

from __future__ import annotations

import argparse
import csv
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from typing import TYPE_CHECKING

from bench_bulk_import import build, through_the_adapter
from timing import Result, report

from b2b_customers.adapters.sql import migrate

if TYPE_CHECKING:
    from b2b_customers.domain import Company, Customer

COMPANY_COLUMNS = ("id", "name", "currency", "parent_id", "account_number", "tags")
CUSTOMER_COLUMNS = ("id", "email", "first_name", "last_name", "memberships")


def write_files(
    directory: pathlib.Path, firms: list[Company], people: list[Customer]
) -> tuple[pathlib.Path, pathlib.Path]:
    companies, customers = directory / "companies.csv", directory / "customers.csv"
    with companies.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COMPANY_COLUMNS)
        for c in firms:
            out.writerow(
                [c.id, c.name, c.currency, c.parent_id or "", c.account_number, ";".join(c.tags)]
            )
    with customers.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(CUSTOMER_COLUMNS)
        for p in people:
            memberships = ";".join(
                f"{m.company_id}:{'+'.join(sorted(m.roles))}" for m in p.memberships
            )
            out.writerow([p.id, p.email, p.first_name, p.last_name, memberships])
    return companies, customers


def through_the_command_line(
    url: str, schema: str | None, files: tuple[pathlib.Path, pathlib.Path]
) -> float:
    where = ["--schema", schema] if schema else []
    started = time.perf_counter()
    for kind, path in zip(("companies", "customers"), files, strict=True):
        done = subprocess.run(  # noqa: S603  (our own command line)
            [
                sys.executable,
                "-c",
                _REPORTING_PEAK,
                "import",
                kind,
                str(path),
                "--url",
                url,
                *where,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"import {kind} failed:\n{done.stderr[-2000:]}")
        peaks.extend(int(line.split()[1]) for line in done.stderr.splitlines() if "VmHWM" in line)
    return time.perf_counter() - started


peaks: list[int] = []
"""The peak RSS (kB) of every import process, as each reported it."""

_REPORTING_PEAK = """
import atexit, pathlib, runpy, sys

def peak():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            print(line, file=sys.stderr)

atexit.register(peak)
sys.argv = ["b2b-customers", *sys.argv[1:]]
runpy.run_module("b2b_customers", run_name="__main__")
"""


def building_the_entities(files: tuple[pathlib.Path, pathlib.Path]) -> float:
    """One pass of the command line's own reading: CSV rows to validated entities."""
    from b2b_customers.cli.csv_rows import read_csv
    from b2b_customers.cli.import_companies import COMPANIES
    from b2b_customers.cli.import_customers import CUSTOMERS
    from b2b_customers.cli.import_kind import RowSource

    started = time.perf_counter()
    for kind, path in zip((COMPANIES, CUSTOMERS), files, strict=True):
        rows = read_csv(path, columns=kind.columns, required=kind.required)
        for _item in RowSource(rows, kind.entity_of):
            pass
    return time.perf_counter() - started


OTHER_TABLES = ("outbox", "audit_log", "customer_groups", "customer_group_members")
"""The tables the import writes beyond ``add_many``'s: events, audit entries, groups, members."""


def the_other_rows(url: str, ours: str, theirs: str | None = None) -> float:
    """The database's own time to write the import's other rows into the baseline's database.

    After the baseline's ``add_many``, the rows the import wrote to
    `OTHER_TABLES` are copied from the import's database with one
    ``INSERT ... SELECT`` per table and committed: no Python per row, no
    checks, no JSON made. Baseline plus this is a floor under any import
    that records an event and an audit entry per row and keeps the groups.
    SQLite: ``url`` is the baseline's file and ``ours`` the import's;
    PostgreSQL: ``ours`` and ``theirs`` are the two schemas of ``url``.
    """
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            if theirs is None:
                connection.exec_driver_sql(f"ATTACH DATABASE '{ours}' AS ours")
                connection.commit()
                source, target = "ours.", "main."
            else:
                source, target = f'"{ours}".', f'"{theirs}".'
            started = time.perf_counter()
            for table in OTHER_TABLES:
                connection.exec_driver_sql(
                    f"INSERT INTO {target}{table} SELECT * FROM {source}{table}"  # noqa: S608  (our own names)
                )
            connection.commit()
            return time.perf_counter() - started
    finally:
        engine.dispose()


def fresh_schema(url: str) -> str:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    migrate(url, schema=schema)
    return schema


def drop_schema(url: str, schema: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    arguments = parser.parse_args()
    firms, people = build(arguments.companies, random_ids=True)
    directory = pathlib.Path(tempfile.mkdtemp(prefix="b2b-bench-import-"))
    files = write_files(directory, firms, people)
    print(
        f"{len(firms):,} companies + {len(people):,} customers "
        f"({sum(f.stat().st_size for f in files) / 1e6:.1f} MB of CSV)"
    )
    results = []
    building = building_the_entities(files)
    if arguments.database in {"sqlite", "both"}:
        ours_db, theirs_db = directory / "import.db", directory / "add_many.db"
        for path in (ours_db, theirs_db):
            migrate(f"sqlite:///{path}")
        ours = through_the_command_line(f"sqlite:///{ours_db}", None, files)
        theirs = through_the_adapter(f"sqlite:///{theirs_db}", firms, people)
        others = the_other_rows(f"sqlite:///{theirs_db}", str(ours_db))
        results.append(Result("import vs add_many, SQLite", ours, theirs, "<= 2"))
        results.append(
            Result("... vs reading the CSV + add_many", ours, theirs + building, "(for scale)")
        )
        results.append(
            Result("floor: add_many + the other rows' writes", theirs + others, theirs, "(floor)")
        )
    postgres = os.environ.get("B2B_TEST_POSTGRES_URL")
    if arguments.database in {"postgresql", "both"} and postgres:
        ours_schema, theirs_schema = fresh_schema(postgres), fresh_schema(postgres)
        try:
            ours = through_the_command_line(postgres, ours_schema, files)
            theirs = through_the_adapter(postgres, firms, people, schema=theirs_schema)
            others = the_other_rows(postgres, ours_schema, theirs_schema)
        finally:
            drop_schema(postgres, ours_schema)
            drop_schema(postgres, theirs_schema)
        results.append(Result("import vs add_many, PostgreSQL", ours, theirs, "<= 2"))
        results.append(
            Result("... vs reading the CSV + add_many", ours, theirs + building, "(for scale)")
        )
        results.append(
            Result("floor: add_many + the other rows' writes", theirs + others, theirs, "(floor)")
        )
    elif arguments.database == "postgresql":
        raise SystemExit("set B2B_TEST_POSTGRES_URL to measure PostgreSQL")
    report(results)
    print(f"peak RSS of each import process (MB): {[round(kb / 1024) for kb in peaks]}")


if __name__ == "__main__":
    main()
