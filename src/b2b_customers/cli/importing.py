"""``b2b-customers import KIND FILE.csv --url URL``: a bulk import.

Every row is built by the domain (which validates it) and checked against
the other rows and the database. If any row is bad, every problem is
reported (line, column, reason), the command exits with status 1 and
nothing is written. Companies and customers go through the bulk use cases
([`import_many`][b2b_customers.services.companies.CompanyService.import_many]),
which read the file once, checking and writing it batch by batch in one
transaction, never holding it whole; contacts are checked, then written in
one transaction too; limits and credit accounts go through their services
(``app.limits``, ``app.credit``) one row at a time, after every row was
checked.
"""

from __future__ import annotations

import logging
import pathlib
import textwrap
import time
from typing import TYPE_CHECKING, Any

from b2b_customers.app import App
from b2b_customers.cli.csv_rows import CUSTOM_PREFIX, RowProblem, RowsRejected, read_csv
from b2b_customers.cli.database import store_at
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.cli.import_companies import COMPANIES
from b2b_customers.cli.import_contacts import CONTACTS
from b2b_customers.cli.import_credit import CREDIT
from b2b_customers.cli.import_customers import CUSTOMERS
from b2b_customers.cli.import_kind import ImportKind, ImportRun, RowSource
from b2b_customers.cli.import_limits import LIMITS
from b2b_customers.cli.progress import StepProgress
from b2b_customers.ids import RandomIds
from b2b_customers.services.bulk_import import ImportRejected
from b2b_customers.services.context import ServiceContext

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

__all__ = ["KINDS", "add_arguments", "run"]

_log = logging.getLogger(__name__)

KINDS: dict[str, ImportKind[Any]] = {
    kind.name: kind for kind in (COMPANIES, CUSTOMERS, CONTACTS, LIMITS, CREDIT)
}
"""The kinds of file ``import`` reads, by name, in the order they are best imported."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the import's arguments to its sub-command parser, and list every kind's columns."""
    parser.add_argument("kind", choices=list(KINDS), help="what the file holds")
    parser.add_argument("file", type=pathlib.Path, metavar="FILE.csv", help="the CSV file")
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="check every row against the database, report, and write nothing",
    )
    parser.epilog = _columns_help()


def _columns_help() -> str:
    parts = [
        (
            "The file is UTF-8 CSV with a header row; cells are separated by commas, "
            f"semicolons or tabs. {CUSTOM_PREFIX}<name> columns fill custom fields. Required "
            "columns are marked *."
        ),
    ]
    for kind in KINDS.values():
        names = ", ".join(
            f"{column}*" if column in kind.required else column for column in kind.columns
        )
        parts.append(textwrap.fill(f"{kind.name}: {names}", width=78, subsequent_indent="  "))
    return "\n\n".join(parts)


def run(arguments: argparse.Namespace) -> int:
    """Import the file: all of it, or (with any bad row) nothing.

    Raises:
        RowsRejected: Some rows are bad (every problem is listed); nothing was written.
        ValidationError: The file is empty or not UTF-8 text.
        SchemaNotReady: The database is not migrated.
        StorageError: The database cannot be reached or failed.
        OSError: The file cannot be read.
    """
    kind: ImportKind[Any] = KINDS[arguments.kind]
    path: pathlib.Path = arguments.file
    started = time.perf_counter()
    csv_file = read_csv(path, columns=kind.columns, required=kind.required)
    progress = StepProgress(kind.name, rows=csv_file.lines())
    with store_at(arguments.url, schema=arguments.schema) as store:
        context = ServiceContext(store=store, ids=RandomIds())
        import_run = ImportRun(
            source=RowSource(csv_file, kind.entity_of),
            app=App(store, ids=context.ids),
            context=context,
            check_only=arguments.check_only,
            progress=progress,
        )
        try:
            count = kind.importer(import_run)
        except ImportRejected as rejected:
            raise RowsRejected(path, _in_columns(kind, csv_file.header, rejected)) from None
        except RowsRejected as rejected:
            raise RowsRejected(path, _in_columns(kind, csv_file.header, rejected)) from None
        finally:
            progress.close()
    if arguments.check_only:
        verb = "is" if count == 1 else "are"
        print(f"{path}: {kind.counted(count)} {verb} fine; nothing was written.")
        return ExitCode.OK
    seconds = time.perf_counter() - started
    _log.info("imported %d %s from %s in %.1f s", count, kind.name, path, seconds)
    print(f"Imported {kind.counted(count)} from {path} in {seconds:.1f} s.")
    return ExitCode.OK


def _in_columns(
    kind: ImportKind[Any],
    header: Iterable[str],
    rejected: ImportRejected | RowsRejected,
) -> list[RowProblem]:
    """Name the column of each problem as the file does (an entity field may be named otherwise)."""
    columns = set(header)
    found = []
    for problem in rejected.problems:
        if isinstance(problem, RowProblem):
            line, field = problem.line, problem.column
        else:
            line, field = problem.position, problem.field
        column = None if field is None else kind.field_columns.get(field, field)
        if column is None or column in columns or column.startswith(CUSTOM_PREFIX):
            found.append(RowProblem(line, column, problem.reason))
        else:
            found.append(RowProblem(line, None, f"{field}: {problem.reason}"))
    return found
