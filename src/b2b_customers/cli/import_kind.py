"""What the import command needs to know about one kind of file (companies, customers, contacts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from attrs import frozen

from b2b_customers.cli.csv_rows import Row, RowProblem
from b2b_customers.cli.progress import Progress
from b2b_customers.ports import UnitOfWork
from b2b_customers.services.context import ServiceContext

__all__ = ["WRITE_BATCH", "ImportKind", "Parsed"]

E = TypeVar("E")

WRITE_BATCH = 500
"""How many entities go to the store in one ``add_many`` (the progress bar moves per batch)."""


@frozen
class Parsed(Generic[E]):
    """An entity built from one row, and the row it came from.

    Attributes:
        row: The row.
        entity: The entity the row describes (validated by the domain).
    """

    row: Row
    entity: E


@frozen(kw_only=True)
class ImportKind(Generic[E]):
    """How rows of one kind become entities, are checked and are written.

    Attributes:
        name: The kind, as the command line names it (``"companies"``).
        columns: Every column, in the documented order (``custom.<name>`` aside).
        required: The columns every file must have.
        field_columns: The column of each entity field named otherwise, so a
            validation error points at the right column.
        entity_of: Builds the entity of a row (raises ``ValidationError``).
        problems_of: Checks the rows against each other and the store;
            returns every problem found.
        write: Stores the entities (and their events) in the open unit of work.
    """

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    field_columns: Mapping[str, str]
    entity_of: Callable[[Row], E]
    problems_of: Callable[[UnitOfWork, Sequence[Parsed[E]]], list[RowProblem]]
    write: Callable[[UnitOfWork, ServiceContext, Sequence[E], Progress], None]
