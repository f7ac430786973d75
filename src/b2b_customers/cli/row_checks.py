"""Checks that look at many rows at once: a key given twice in the file."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from b2b_customers.cli.csv_rows import RowProblem
from b2b_customers.services.bulk_import import first_seen

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence

    from b2b_customers.cli.import_kind import Parsed

__all__ = ["repeated"]

E = TypeVar("E")


def repeated(
    parsed: Sequence[Parsed[E]],
    key: Callable[[E], Hashable | None],
    column: str,
    what: str,
) -> list[RowProblem]:
    """Report every row whose key an earlier row of the file has already.

    Args:
        parsed: The rows, in file order.
        key: The key of an entity (``None``: the entity has none, never repeated).
        column: The column the key is in.
        what: The key in words, e.g. ``"the id 'acme'"`` is built as
            ``f"{what} {value!r}"``.
    """
    seen: dict[object, int] = {}
    return [
        RowProblem(problem.position, problem.field, problem.reason)
        for item in parsed
        for problem in first_seen(seen, key(item.entity), item.line, column, what, unit="line")
    ]
