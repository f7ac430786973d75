"""What data migrations share: reading a table's ``(id, data)`` rows a batch at a time.

A revision that fills a new table or column from the JSON in ``data`` reads
the rows in batches ordered by id (keyset pagination), so memory stays flat
however large the table is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["BATCH", "rows_in_batches"]

BATCH = 1000
"""How many rows one batch holds."""


def rows_in_batches(
    bind: sa.Connection, table: sa.TableClause, *, size: int = BATCH
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Yield ``table``'s rows as ``(id, data)`` pairs, ``size`` at a time, by id.

    ``table`` needs an ``id`` column and a JSON ``data`` column; ``data``
    comes back as a dict whether the driver decoded it (PostgreSQL) or not.
    """
    after = ""
    while True:
        batch = bind.execute(
            sa.select(table.c.id, table.c.data)
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(size)
        ).all()
        if not batch:
            return
        yield [(row_id, _loaded(raw)) for row_id, raw in batch]
        after = batch[-1][0]


def _loaded(data: Any) -> dict[str, Any]:  # noqa: ANN401  (JSON as the driver returns it)
    return json.loads(data) if isinstance(data, str | bytes) else dict(data)
