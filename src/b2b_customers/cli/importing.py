"""``b2b-customers import companies|customers|contacts FILE.csv --url URL``: a bulk import.

All or nothing: every row is built by the domain (which validates it) and
checked against the other rows and the database first. If any row is bad,
every problem is reported (line, column, reason), the command exits with
status 1 and nothing is written. Otherwise the whole file is written in one
unit of work, with the same events the services record.
"""

from __future__ import annotations

import logging
import pathlib
import time
from typing import TYPE_CHECKING, Any

from b2b_customers.cli.csv_rows import CsvFile, RowProblem, RowsRejected, read_csv
from b2b_customers.cli.database import store_at
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.cli.import_companies import COMPANIES
from b2b_customers.cli.import_contacts import CONTACTS
from b2b_customers.cli.import_customers import CUSTOMERS
from b2b_customers.cli.import_kind import ImportKind, Parsed
from b2b_customers.cli.progress import Progress
from b2b_customers.errors import ValidationError
from b2b_customers.ids import RandomIds
from b2b_customers.services.context import ServiceContext

if TYPE_CHECKING:
    import argparse

__all__ = ["KINDS", "add_arguments", "run"]

_log = logging.getLogger(__name__)

KINDS: dict[str, ImportKind[Any]] = {kind.name: kind for kind in (COMPANIES, CUSTOMERS, CONTACTS)}
"""The kinds of file ``import`` reads, by name."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the import's arguments to its sub-command parser."""
    parser.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
    parser.add_argument("file", type=pathlib.Path, metavar="FILE.csv", help="the CSV file")
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="check every row against the database, report, and write nothing",
    )


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
    with store_at(arguments.url, schema=arguments.schema) as store:
        context = ServiceContext(store=store, ids=RandomIds())
        with store.unit_of_work() as uow:
            parsed, problems = _parsed(kind, csv_file)
            problems += kind.problems_of(uow, parsed)
            if problems:
                raise RowsRejected(path, problems)
            if arguments.check_only:
                print(f"{path}: {len(parsed):,} {kind.name} are fine; nothing was written.")
                return ExitCode.OK
            progress = Progress(f"Writing {kind.name}", len(parsed))
            kind.write(uow, context, [item.entity for item in parsed], progress)
            uow.commit()
            progress.finish()
    seconds = time.perf_counter() - started
    _log.info("imported %d %s from %s in %.1f s", len(parsed), kind.name, path, seconds)
    print(f"Imported {len(parsed):,} {kind.name} from {path} in {seconds:.1f} s.")
    return ExitCode.OK


def _parsed(kind: ImportKind[Any], csv_file: CsvFile) -> tuple[list[Parsed[Any]], list[RowProblem]]:
    progress = Progress("Checking rows", len(csv_file.rows))
    parsed: list[Parsed[Any]] = []
    problems = list(csv_file.problems)
    for row in csv_file.rows:
        try:
            parsed.append(Parsed(row, kind.entity_of(row)))
        except ValidationError as error:
            problems.append(row.problem(error, kind.field_columns))
        progress.advance()
    progress.finish()
    return parsed, problems
