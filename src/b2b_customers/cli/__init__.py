"""The ``b2b-customers`` command line (also ``python -m b2b_customers``).

Commands:

* ``demo``: a company group, its buyers, limits and credit, on an SQLite file.
* ``db upgrade``: create or upgrade the schema on SQLite or PostgreSQL.
* ``import companies|customers|contacts|limits|credit FILE.csv``: every row
  checked first; companies and customers at bulk speed, all or nothing.
* ``export``: companies, customers, limits, credit, approvals, orders, ... as
  JSON in the converter's form.
* ``check-order``: the decision on an order, in plain words or JSON.

Every command but ``demo`` takes ``--url`` (or the ``B2B_CUSTOMERS_URL``
environment variable) and ``--schema`` for a PostgreSQL schema. A user error
is one line on stderr and exit status 2, never a traceback; the statuses are
listed in [`b2b_customers.cli.exit_codes`][]. No message shows a password
(`b2b_customers.cli.passwords`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from b2b_customers import __version__
from b2b_customers.cli import check_order, db, demo, export, importing
from b2b_customers.cli.csv_rows import RowsRejected
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.cli.passwords import masked, repaired, shown
from b2b_customers.errors import B2BError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["URL_VARIABLE", "ExitCode", "main"]

URL_VARIABLE = "B2B_CUSTOMERS_URL"
"""The environment variable ``--url`` defaults to."""


def _database_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    default = os.environ.get(URL_VARIABLE)
    now = f"now {shown(default)}" if default else "not set now"
    options.add_argument(
        "--url",
        default=default,
        help="the database: sqlite:///shop.db or postgresql+psycopg://user:password@host/db "
        f"(default: the environment variable {URL_VARIABLE}, {now})",
    )
    options.add_argument(
        "--schema", metavar="NAME", help="the PostgreSQL schema to use (one per tenant)"
    )
    return options


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="b2b-customers",
        description="Business customers of a B2B seller: companies, buyers, limits and approvals.",
        epilog="Exit status: 0 done (or allowed), 1 import rejected, 2 user error, "
        "3 approval required, 4 denied.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    database = _database_options()

    demo_parser = commands.add_parser(
        "demo",
        help="walk through a realistic example on an SQLite file, in plain words",
        description="Build a company group with buyers, limits and credit on an SQLite file, "
        "check and place orders, and explain every decision in plain words.",
    )
    demo.add_arguments(demo_parser)
    demo_parser.set_defaults(run=demo.run)

    db_parser = commands.add_parser("db", help="manage the database schema (db upgrade)")
    db.add_arguments(db_parser, database)

    import_parser = commands.add_parser(
        "import",
        parents=[database],
        help="import companies, customers, contacts, limits or credit accounts from CSV",
        description="Import one CSV file, all or nothing: every row is checked first; if any "
        "is bad, every problem is listed (line, column, reason) and nothing is written.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importing.add_arguments(import_parser)
    import_parser.set_defaults(run=importing.run)

    export_parser = commands.add_parser(
        "export",
        parents=[database],
        help="write companies, customers, limits, credit, approvals, orders, ... as JSON",
        description="Write the chosen kinds of data as one JSON document in the library's "
        "converter form, sorted, so two exports of the same data are equal byte for byte.",
    )
    export.add_arguments(export_parser)
    export_parser.set_defaults(run=export.run)

    check_parser = commands.add_parser(
        "check-order",
        parents=[database],
        help="ask for the decision on an order (exit 0 allowed, 3 approval, 4 denied)",
        description="Build an order from --line SKU:QTY:PRICE and print the decision with "
        "every rule checked. Nothing is written.",
    )
    check_order.add_arguments(check_parser)
    check_parser.set_defaults(run=check_order.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Errors of the library and of files are reported on stderr in one line
    (an import's rejected rows one line each), never as a traceback.
    """
    try:
        arguments = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse's --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else ExitCode.USER_ERROR
    url: str | None = getattr(arguments, "url", None)
    try:
        if hasattr(arguments, "url"):
            arguments.url = _database_url(url)
        return int(arguments.run(arguments))
    except RowsRejected as error:
        for problem in error.problems:
            print(masked(f"{arguments.file}: {problem}", url), file=sys.stderr)
        _error(str(error), url)
        return ExitCode.ROWS_REJECTED
    except B2BError as error:
        _error(str(error), url)
        return ExitCode.USER_ERROR
    except BrokenPipeError:
        return _reader_went_away()
    except OSError as error:
        _error(_file_problem(error), url)
        return ExitCode.USER_ERROR
    except KeyboardInterrupt:
        _error("interrupted; nothing was written", url)
        return ExitCode.INTERRUPTED


def _database_url(url: str | None) -> str:
    if not url:
        raise ValidationError(
            f"say which database: give --url sqlite:///shop.db (or "
            f"postgresql+psycopg://user:password@host/db), or set {URL_VARIABLE}",
            field="--url",
        )
    return repaired(url)


def _reader_went_away() -> int:
    """The reader of standard output closed it (``... | head``): stop quietly, as Unix tools do.

    Standard output is pointed at the null device, so that flushing it when
    Python exits does not fail a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no file (tests capture it)
        pass
    return ExitCode.BROKEN_PIPE


def _error(message: str, url: str | None) -> None:
    one_line = " ".join(masked(message, url).split())
    print(f"b2b-customers: error: {one_line}", file=sys.stderr)


def _file_problem(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason
