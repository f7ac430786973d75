"""What the import command needs to know about one kind of file, and what one import run has."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from attrs import frozen

from b2b_customers.app import App
from b2b_customers.cli.csv_rows import CsvFile, Row, RowProblem, RowsRejected
from b2b_customers.errors import B2BError, ValidationError
from b2b_customers.services.bulk_import import ImportItem, ImportProgress
from b2b_customers.services.context import ServiceContext

if TYPE_CHECKING:
    from b2b_customers.ports import UnitOfWork

__all__ = [
    "ImportKind",
    "ImportRun",
    "Parsed",
    "RowSource",
    "import_through_service",
    "import_whole_file",
]

E = TypeVar("E")


@frozen
class Parsed(Generic[E]):
    """An entity built from one row, and the line the row starts on.

    Attributes:
        line: The line (the header is line 1).
        entity: The entity the row describes (validated by the domain).
    """

    line: int
    entity: E


@frozen
class RowSource(Generic[E]):
    """The rows of a file as import items: read anew each time it is iterated.

    Attributes:
        csv_file: The file.
        entity_of: Builds the entity of a row (raises ``ValidationError``).
    """

    csv_file: CsvFile
    entity_of: Callable[[Row], E]

    def __iter__(self) -> Iterator[ImportItem[E]]:
        """Yield the item of every row: its entity, or why it has none."""
        for row in self.csv_file:
            if isinstance(row, RowProblem):
                yield ImportItem(row.line, ValidationError(row.reason))
                continue
            try:
                yield ImportItem(row.line, self.entity_of(row))
            except ValidationError as error:
                yield ImportItem(row.line, error)


@frozen(kw_only=True)
class ImportRun(Generic[E]):
    """One run of ``import``: the file's items, where they go, and how it is shown.

    Attributes:
        source: The items of the file (read anew each time).
        app: The services over the database.
        context: The same store, clock and ids, for kinds that write directly.
        check_only: Check and report, write nothing.
        progress: Told after each batch checked or written.
    """

    source: RowSource[E]
    app: App
    context: ServiceContext
    check_only: bool
    progress: ImportProgress


@frozen(kw_only=True)
class ImportKind(Generic[E]):
    """How rows of one kind become entities, and how they are imported.

    Attributes:
        name: The kind, as the command line names it (``"companies"``).
        singular: One of them (``"company"``).
        columns: Every column, in the documented order (``custom.<name>`` aside).
        required: The columns every file must have.
        field_columns: The column of each entity field named otherwise, so a
            problem points at the right column.
        entity_of: Builds the entity of a row (raises ``ValidationError``).
        importer: Checks every row, then (unless checking only) writes them;
            returns how many there are. Raises ``ImportRejected`` or
            ``RowsRejected`` with every problem.
        plural: Many of them, when not ``name`` (``"credit accounts"``).
    """

    name: str
    singular: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    field_columns: Mapping[str, str]
    entity_of: Callable[[Row], E]
    importer: Callable[[ImportRun[E]], int]
    plural: str | None = None

    def counted(self, count: int) -> str:
        """Return ``"1 company"``, ``"2 companies"``."""
        return f"{count:,} {self.singular if count == 1 else self.plural or self.name}"


def import_whole_file(
    run: ImportRun[E],
    problems_of: Callable[[UnitOfWork, Sequence[Parsed[E]]], list[RowProblem]],
    write: Callable[[UnitOfWork, ServiceContext, Sequence[E]], None],
) -> int:
    """Import a kind of file small enough to hold: check all its rows, then write them at once.

    Raises:
        RowsRejected: Some rows are bad (every problem is listed); nothing was written.
    """
    with run.context.store.unit_of_work() as uow:
        parsed = _checked(run, uow, problems_of)
        if not run.check_only:
            write(uow, run.context, [item.entity for item in parsed])
            run.progress("writing", len(parsed))
            uow.commit()
    return len(parsed)


def import_through_service(
    run: ImportRun[E],
    problems_of: Callable[[UnitOfWork, Sequence[Parsed[E]]], list[RowProblem]],
    apply: Callable[[App, E], object],
) -> int:
    """Check every row, then hand the rows to a service one at a time.

    Each row is one use case (its own transaction, permission check, event
    and audit entry). The checks before catch what they can; should a
    service still refuse a row, the rows before it stay imported, and the
    error names the line.

    Raises:
        RowsRejected: Some rows are bad (every problem is listed); nothing was written.
        B2BError: A service refused a row that passed the checks (the message
            names its line and how many rows were imported).
    """
    with run.context.store.unit_of_work() as uow:
        parsed = _checked(run, uow, problems_of)
    if run.check_only:
        return len(parsed)
    for done, item in enumerate(parsed):
        try:
            apply(run.app, item.entity)
        except B2BError as error:
            message = (
                f"line {item.line}: {error}; the {done} rows before it were imported, this "
                "one and those after it were not"
            )
            error.args = (message,)
            raise
        run.progress("writing", 1)
    return len(parsed)


def _checked(
    run: ImportRun[E],
    uow: UnitOfWork,
    problems_of: Callable[[UnitOfWork, Sequence[Parsed[E]]], list[RowProblem]],
) -> list[Parsed[E]]:
    parsed: list[Parsed[E]] = []
    problems: list[RowProblem] = []
    for item in run.source:
        if isinstance(item.entity, ValidationError):
            problems.append(RowProblem(item.position, item.entity.field, item.entity.reason))
        else:
            parsed.append(Parsed(item.position, item.entity))
        run.progress("checking", 1)
    problems += problems_of(uow, parsed)
    if problems:
        raise RowsRejected(run.source.csv_file.path, problems)
    return parsed
