"""Reading a subtree: ``companies.descendants`` against a raw recursive CTE on the same database.

A tree of 10,000 companies, nine levels below the root (three subsidiaries
each, filled breadth first), is imported with ``uow.companies.add_many`` into
SQLite, and into a fresh PostgreSQL schema (dropped afterwards) when
``B2B_TEST_POSTGRES_URL`` is set.

Ours: ``uow.companies.descendants(root)`` inside an open unit of work: the
adapter's recursive query, and a ``Company`` entity for each of the 9,999
rows, nearest levels first, by id within a level.

Baseline: the same recursive CTE written by hand and run on the driver's own
connection (``sqlite3`` / ``psycopg``) to the same database, returning the
same rows in the same order: each id and the stored ``data`` column as the
adapter reads it (``CAST(data AS TEXT)``), without building entities. Both
sides are checked to agree before they are timed.

The headline is cache off: a store with ``cache_size=0``, so every row is
parsed and structured (and validated) into an entity on every call, as a
query must. Printed after it, for reference only: a store whose decoded-entity
cache holds the whole subtree (``cache_size=20,000``; the default of 4,096
holds less than this subtree, so with the default every call is cold). A
cache hit is not a query, so the warm figure is not held to the target.

Target (issue 11): ours with the cache off / baseline <= 3.

Run: python benchmarks/bench_subtree.py [--companies 10000] [--children 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy

sys.path.insert(0, str(Path(__file__).parent))

from timing import Result, best_time, report

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.mapping import converter
from b2b_customers.clock import ManualClock
from b2b_customers.domain import MAX_DEPTH, Company

if TYPE_CHECKING:
    from collections.abc import Callable

START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
ROOT = "c00000"
WARM_CACHE = 20_000

# The adapter's walk, written out: the same bound on depth, the same order, the same columns.
SUBTREE_SQL = """
WITH RECURSIVE tree(id, depth) AS (
    SELECT id, 0 FROM {prefix}companies WHERE id = {mark}
    UNION ALL
    SELECT below.id, tree.depth + 1
    FROM {prefix}companies AS below JOIN tree ON below.parent_id = tree.id
    WHERE tree.depth < {limit}
)
SELECT companies.id, CAST(companies.data AS TEXT)
FROM {prefix}companies AS companies JOIN tree ON tree.id = companies.id
WHERE tree.depth > 0
ORDER BY tree.depth, companies.id
"""


def tree(size: int, children: int) -> list[Company]:
    """``size`` companies, breadth first: company ``n`` is the parent of the next ``children``."""
    ids = [f"c{number:05d}" for number in range(size)]
    return [
        Company(
            id=company_id,
            name=f"Company {number}",
            currency="EUR",
            parent_id=ids[(number - 1) // children] if number else None,
            account_number=f"A-{number}",
            tags={"vip"} if number % 7 == 0 else (),
        )
        for number, company_id in enumerate(ids)
    ]


def depth_of(companies: list[Company]) -> int:
    parent = {company.id: company.parent_id for company in companies}
    deepest = 0
    for company in companies:
        depth, current = 0, company.parent_id
        while current is not None:
            depth, current = depth + 1, parent[current]
        deepest = max(deepest, depth)
    return deepest


def raw_query(store: SqlStore) -> Callable[[], list[Any]]:
    """Return the hand-written CTE as a call on the driver's own connection."""
    raw = store.engine.raw_connection()
    driver = raw.driver_connection
    if store.dialect == "sqlite":
        sql = SUBTREE_SQL.format(prefix="", mark="?", limit=MAX_DEPTH + 1)
    else:
        sql = SUBTREE_SQL.format(prefix=f'"{store.schema}".', mark="%s", limit=MAX_DEPTH + 1)

    def run() -> list[Any]:
        cursor = driver.cursor()
        cursor.execute(sql, (ROOT,))
        rows = cursor.fetchall()
        cursor.close()
        return rows

    return run


def measure(kind: str, url: str, schema: str | None, companies: list[Company]) -> list[Result]:
    clock = ManualClock(START)
    loader = SqlStore(url, schema=schema, clock=clock)
    started = time.perf_counter()
    with loader.unit_of_work() as uow:
        uow.companies.add_many(companies)
        uow.commit()
    print(f"{kind}: imported {len(companies):,} companies in {time.perf_counter() - started:.1f} s")
    loader.dispose()

    results = []
    for label, cache_size, target in (
        ("cache off: every row decoded", 0, "<= 3x"),
        (f"cache warm, {WARM_CACHE:,}: reference only", WARM_CACHE, "(not a query)"),
    ):
        store = SqlStore(url, schema=schema, clock=clock, cache_size=cache_size)
        baseline = raw_query(store)
        with store.unit_of_work() as uow:
            ours = uow.companies.descendants(ROOT)
            rows = baseline()
            assert [company.id for company in ours] == [row[0] for row in rows]
            assert len(ours) == len(companies) - 1
            for company, (_, data) in list(zip(ours, rows, strict=True))[:: len(rows) // 50]:
                assert json.loads(data) == converter().unstructure(company)
            ours_time = best_time(lambda uow=uow: uow.companies.descendants(ROOT), repeat=7)
        baseline_time = best_time(baseline, repeat=7)
        store.dispose()
        results.append(
            Result(f"{kind}: descendants of the root ({label})", ours_time, baseline_time, target)
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--children", type=int, default=3)
    arguments = parser.parse_args()
    companies = tree(arguments.companies, arguments.children)
    depth = depth_of(companies)
    print(f"{len(companies):,} companies, {depth} levels below the root")
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'subtree.db'}"
        migrate(url)
        results.extend(measure("sqlite", url, None, companies))
    postgres = os.environ.get("B2B_TEST_POSTGRES_URL")
    if postgres:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        migrate(postgres, schema=schema)
        try:
            results.extend(measure("postgresql", postgres, schema, companies))
        finally:
            engine = sqlalchemy.create_engine(
                postgres.replace("postgresql://", "postgresql+psycopg://")
            )
            with engine.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    print()
    report(results)


if __name__ == "__main__":
    main()
