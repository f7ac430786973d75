"""Data migrations read a table's ``(id, data)`` rows in batches by id, every row once."""

from __future__ import annotations

import json

import sqlalchemy as sa

from b2b_customers.adapters.sql.migrations.batches import rows_in_batches


def test_every_row_comes_once_in_batches_of_the_size_by_id() -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.table("things", sa.column("id", sa.String()), sa.column("data", sa.JSON()))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE things (id TEXT PRIMARY KEY, data TEXT)"))
        for number in (5, 3, 1, 4, 2):
            connection.execute(
                sa.text("INSERT INTO things VALUES (:id, :data)"),
                {"id": f"t{number}", "data": json.dumps({"n": number})},
            )
        batches = list(rows_in_batches(connection, table, size=2))
    assert [[row_id for row_id, _ in batch] for batch in batches] == [
        ["t1", "t2"],
        ["t3", "t4"],
        ["t5"],
    ]
    assert [data["n"] for batch in batches for _, data in batch] == [1, 2, 3, 4, 5]
