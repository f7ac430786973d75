"""Bulk import into SQLite: ``add_many`` against raw ``executemany`` of the same rows.

Imports N companies (a tenth of them subsidiaries) and 3 N customers (one
membership each) through ``SqlStore`` and ``add_many``, then inserts the very
same rows into a fresh copy of the same schema with ``sqlite3`` and
``executemany``, the rows built beforehand and not timed. The ratio is the
adapter's time over the raw time; the target is at most 1.5.

    python benchmarks/bench_bulk_import.py                 # 100,000 + 300,000
    python benchmarks/bench_bulk_import.py --companies 20000 --ids sequential
"""

from __future__ import annotations

import argparse
import pathlib
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from timing import Result, report

from b2b_customers.adapters.sql import SqlStore, mapping, migrate
from b2b_customers.clock import ManualClock
from b2b_customers.domain import Company, Customer, Membership, Role

START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def build(companies: int, *, random_ids: bool) -> tuple[list[Company], list[Customer]]:
    def new_id(prefix: str, number: int) -> str:
        return uuid.uuid4().hex if random_ids else f"{prefix}{number:08d}"

    company_ids = [new_id("c", number) for number in range(companies)]
    firms = [
        Company(
            id=company_id,
            name=f"Company {number}",
            currency="EUR",
            account_number=f"A-{number}",
            parent_id=company_ids[number // 10] if number % 10 else None,
            tags={"vip"} if number % 7 == 0 else (),
        )
        for number, company_id in enumerate(company_ids)
    ]
    people = [
        Customer(
            id=new_id("u", number),
            email=f"buyer{number}@example.com",
            first_name="Pat",
            last_name=f"Buyer {number}",
            memberships=[
                Membership(company_id=company_ids[number % companies], roles={Role.BUYER})
            ],
        )
        for number in range(3 * companies)
    ]
    return firms, people


def through_the_adapter(
    url: str, firms: list[Company], people: list[Customer], *, schema: str | None = None
) -> float:
    store = SqlStore(url, schema=schema, clock=ManualClock(START))
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        uow.companies.add_many(firms)
        uow.customers.add_many(people)
        uow.commit()
    elapsed = time.perf_counter() - started
    store.dispose()
    return elapsed


def raw_rows(
    firms: list[Company], people: list[Customer]
) -> list[tuple[str, tuple[str, ...], list]]:
    stamp = mapping.Stamp(1, START, START)
    return [
        (
            "companies",
            mapping.COMPANY_COLUMNS,
            [mapping.company_values(stamp.apply(c), stamp, raw=True) for c in firms],
        ),
        (
            "company_tags",
            mapping.COMPANY_TAG_COLUMNS,
            [row for c in firms for row in mapping.company_tag_rows(c)],
        ),
        (
            "customers",
            mapping.CUSTOMER_COLUMNS,
            [mapping.customer_values(stamp.apply(c), stamp, raw=True) for c in people],
        ),
        (
            "memberships",
            mapping.MEMBERSHIP_COLUMNS,
            [row for c in people for row in mapping.membership_rows(c)],
        ),
    ]


def raw_executemany(path: pathlib.Path, tables: list[tuple[str, tuple[str, ...], list]]) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for table, columns, rows in tables:
        if rows:
            marks = ", ".join("?" for _ in columns)
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                rows,
            )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--ids", choices=["random", "sequential"], default="random")
    arguments = parser.parse_args()
    firms, people = build(arguments.companies, random_ids=arguments.ids == "random")
    directory = pathlib.Path(tempfile.mkdtemp(prefix="b2b-bench-"))
    adapter_db, raw_db = directory / "adapter.db", directory / "raw.db"
    for path in (adapter_db, raw_db):
        migrate(f"sqlite:///{path}")

    adapter = through_the_adapter(f"sqlite:///{adapter_db}", firms, people)
    started = time.perf_counter()
    tables = raw_rows(firms, people)
    building = time.perf_counter() - started
    raw = raw_executemany(raw_db, tables)

    print(f"{len(firms):,} companies + {len(people):,} customers ({arguments.ids} ids)")
    report(
        [
            Result("add_many vs executemany of the same rows", adapter, raw, "<= 1.5"),
            Result("... with building the raw rows", adapter, raw + building, "(for scale)"),
        ]
    )


if __name__ == "__main__":
    main()
