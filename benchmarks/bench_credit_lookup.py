"""Available credit: the account's running totals against summing its whole ledger.

One credit account with 1,000,000 ledger entries, on SQLite and, when
``B2B_TEST_POSTGRES_URL`` is set, in a fresh PostgreSQL schema (dropped
afterwards). The company and the account are stored through the adapter.
The ledger entries (reservation, invoice releasing it, payment, credit note,
adjustment, over and over) are then written in bulk with ``executemany``
straight into ``ledger_entries``, each row built by the adapter's own mapping
(``adapters.sql.credit._entry_row``), and the account row is set to the
running totals the entries add up to (``credit.ledger.replay``), as
``credit.save`` would have left it. This benchmark measures reads, not
loading: the load is not timed.

Ours: ``uow.credit.for_company(company).available`` in a unit of work
(entering it, the look-up, leaving it): one indexed join, and the totals
stored on the account.

Baseline: what ERPNext does: recompute the outstanding amount by summing the
balance effect of every ledger row of the account, ``SELECT SUM(CASE kind
WHEN 'invoice' THEN amount ... END) FROM ledger_entries WHERE account_id =
...`` (our ledger keeps kind and amount in its JSON ``data``, read with
``json_extract`` / ``->>``). For fairness a second, best-case baseline sums a
plain indexed column of signed amounts (``SELECT SUM(balance_change)``, a
table the benchmark adds), which is what a ledger with a numeric column
would cost. Both leave out the reserved amount, so they do less than ours.

Target (issue 4): ours at least 100x faster than the baseline
(ours / baseline <= 0.01).

Run: python benchmarks/bench_credit_lookup.py [--entries 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy
from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from timing import Result, best_time, report

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.credit import _account_row, _entry_row
from b2b_customers.adapters.sql.mapping import stamped
from b2b_customers.adapters.sql.tables import credit_accounts, ledger_entries
from b2b_customers.clock import ManualClock
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import EntryKind, LedgerEntry, replay
from b2b_customers.domain import Company

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
COMPANY = "acme"
ACCOUNT = "acct-acme"
LIMIT = Money("100000000", "EUR")
CHUNK = 50_000
SIGNED = {"invoice": 1, "adjustment": 1, "payment": -1, "credit_note": -1}

SQLITE_SUM = """
SELECT SUM(CASE kind
    WHEN 'invoice' THEN amount WHEN 'adjustment' THEN amount
    WHEN 'payment' THEN -amount WHEN 'credit_note' THEN -amount
    ELSE 0 END)
FROM (
    SELECT json_extract(data, '$.kind') AS kind,
           CAST(json_extract(data, '$.amount.amount') AS REAL) AS amount
    FROM ledger_entries WHERE account_id = ?
)
"""
POSTGRES_SUM = """
SELECT SUM(CASE data->>'kind'
    WHEN 'invoice' THEN (data->'amount'->>'amount')::numeric
    WHEN 'adjustment' THEN (data->'amount'->>'amount')::numeric
    WHEN 'payment' THEN -(data->'amount'->>'amount')::numeric
    WHEN 'credit_note' THEN -(data->'amount'->>'amount')::numeric
    ELSE 0 END)
FROM "{schema}".ledger_entries WHERE account_id = %s
"""
BEST_CASE_SUM = "SELECT SUM(balance_change) FROM {prefix}bench_gl WHERE account_id = {mark}"


def entries(count: int) -> Iterator[LedgerEntry]:
    """A ledger that keeps moving: reserve, invoice the order, get paid, credit, adjust."""
    at = START - timedelta(days=3 * 365)
    step = timedelta(days=3 * 365) / max(count, 1)
    amount = Money("100.00", "EUR")
    for sequence in range(1, count + 1):
        cycle, kind = divmod(sequence - 1, 5)
        common: dict[str, Any] = {
            "id": f"e{sequence:08d}",
            "account_id": ACCOUNT,
            "sequence": sequence,
            "occurred_at": at + step * sequence,
        }
        if kind == 0:
            yield LedgerEntry(
                kind=EntryKind.RESERVATION, amount=amount, reference=f"o{cycle}", **common
            )
        elif kind == 1:
            yield LedgerEntry(
                kind=EntryKind.INVOICE,
                amount=amount,
                reference=f"i{cycle}",
                released_reservation=amount,
                **common,
            )
        elif kind == 2:
            yield LedgerEntry(
                kind=EntryKind.PAYMENT,
                amount=Money("60.00", "EUR"),
                reference=f"p{cycle}",
                **common,
            )
        elif kind == 3:
            yield LedgerEntry(
                kind=EntryKind.CREDIT_NOTE,
                amount=Money("5.00", "EUR"),
                reference=f"n{cycle}",
                **common,
            )
        else:
            yield LedgerEntry(
                kind=EntryKind.ADJUSTMENT, amount=Money("-1.50", "EUR"), reason="rounding", **common
            )


def load(store: SqlStore, count: int) -> Decimal:
    """Store the company, the account and ``count`` entries; return the account's available."""
    with store.unit_of_work() as uow:
        uow.companies.add(Company(id=COMPANY, name="ACME", currency="EUR"))
        account = uow.credit.add(
            CreditAccount(id=ACCOUNT, company_id=COMPANY, currency="EUR", credit_limit=LIMIT)
        )
        uow.commit()
    options: dict[str, Any] = {}
    if store.schema is not None:
        options["schema_translate_map"] = {None: store.schema}
    best_case = sqlalchemy.Table(
        "bench_gl",
        sqlalchemy.MetaData(),
        sqlalchemy.Column("account_id", sqlalchemy.String(64), index=True),
        sqlalchemy.Column("balance_change", sqlalchemy.Numeric()),
    )
    balance = reserved = Decimal(0)
    with store.engine.connect().execution_options(**options) as connection:
        best_case.create(connection)
        batch: list[LedgerEntry] = []
        for entry in entries(count):
            batch.append(entry)
            if len(batch) == CHUNK or entry.sequence == count:
                connection.execute(ledger_entries.insert(), [_entry_row(e) for e in batch])
                connection.execute(
                    best_case.insert(),
                    [{"account_id": ACCOUNT, "balance_change": e.balance_change} for e in batch],
                )
                totals = replay(batch, "EUR")
                balance += totals.balance.amount
                reserved += totals.reserved.amount
                batch = []
        # The account as credit.save would have left it after appending these entries.
        final = stamped(
            CreditAccount(
                id=ACCOUNT,
                company_id=COMPANY,
                currency="EUR",
                credit_limit=LIMIT,
                balance=Money(balance, "EUR"),
                reserved=Money(reserved, "EUR"),
                last_sequence=count,
            ),
            version=account.version + 1,
            created_at=START,
            updated_at=START,
        )
        values = _account_row(final)
        del values["id"]
        connection.execute(
            sqlalchemy.update(credit_accounts)
            .where(credit_accounts.c.id == ACCOUNT)
            .values(**values)
        )
        connection.commit()
        if store.dialect == "postgresql":
            connection.exec_driver_sql(f'ANALYZE "{store.schema}".ledger_entries')
            connection.exec_driver_sql(f'ANALYZE "{store.schema}".bench_gl')
        else:
            connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return final.available.amount


def summing(store: SqlStore, sql: str) -> Callable[[], Any]:
    """Return ``sql`` (one SUM for the account) as a call on the driver's own connection."""
    driver = store.engine.raw_connection().driver_connection

    def run() -> Any:
        cursor = driver.cursor()
        cursor.execute(sql, (ACCOUNT,))
        (total,) = cursor.fetchone()
        cursor.close()
        driver.rollback()
        return total

    return run


def measure(kind: str, url: str, schema: str | None, count: int) -> list[Result]:
    store = SqlStore(url, schema=schema, clock=ManualClock(START))
    started = time.perf_counter()
    available = load(store, count)
    print(f"{kind}: wrote {count:,} ledger entries in {time.perf_counter() - started:.1f} s")

    def ours() -> Money:
        with store.unit_of_work() as uow:
            return uow.credit.for_company(COMPANY).available

    if store.dialect == "sqlite":
        erpnext = summing(store, SQLITE_SUM)
        best = summing(store, BEST_CASE_SUM.format(prefix="", mark="?"))
    else:
        erpnext = summing(store, POSTGRES_SUM.format(schema=schema))
        best = summing(store, BEST_CASE_SUM.format(prefix=f'"{schema}".', mark="%s"))
    # Both sides agree before they are timed (SQLite sums floats: to the cent).
    assert ours().amount == available
    for baseline in (erpnext, best):
        outstanding = Decimal(str(baseline()))
        assert abs(LIMIT.amount - outstanding - available) < Decimal("0.01"), outstanding
    ours_time = best_time(ours, repeat=7, number=200)
    results = [
        Result(
            f"{kind}: available credit vs SUM over the ledger (ERPNext)",
            ours_time,
            best_time(erpnext, repeat=5),
            ">= 100x faster (<= 0.01x)",
        ),
        Result(
            f"{kind}: available credit vs SUM of a plain amount column",
            ours_time,
            best_time(best, repeat=5),
            "(best case for summing)",
        ),
    ]
    store.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    arguments = parser.parse_args()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'credit.db'}"
        migrate(url)
        results.extend(measure("sqlite", url, None, arguments.entries))
    postgres = os.environ.get("B2B_TEST_POSTGRES_URL")
    if postgres:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        migrate(postgres, schema=schema)
        try:
            results.extend(measure("postgresql", postgres, schema, arguments.entries))
        finally:
            engine = sqlalchemy.create_engine(
                postgres.replace("postgresql://", "postgresql+psycopg://")
            )
            with engine.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    print()
    report(results)
    for result in results:
        print(f"{result.name}: ours is {1 / result.ratio:,.0f}x faster")


if __name__ == "__main__":
    main()
