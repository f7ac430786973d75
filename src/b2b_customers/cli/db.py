"""``b2b-customers db upgrade --url URL [--schema NAME]``: create or upgrade the schema.

Runs the Alembic migrations shipped in the package on SQLite or PostgreSQL
(an SQLite file is created if it is not there; a PostgreSQL schema too).
Running it on an up-to-date database changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.cli import database
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.cli.passwords import shown

if TYPE_CHECKING:
    import argparse

__all__ = ["add_arguments", "upgrade"]


def add_arguments(parser: argparse.ArgumentParser, database: argparse.ArgumentParser) -> None:
    """Add the ``db`` sub-commands to its parser.

    Args:
        parser: The ``db`` command's parser.
        database: The ``--url`` and ``--schema`` options every action takes.
    """
    parser.description = "Manage the database schema."
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade_parser = actions.add_parser(
        "upgrade",
        parents=[database],
        help="create the tables, or bring them to this version's schema",
        description="Create the tables (and the PostgreSQL schema), or bring them to this "
        "version's schema. Safe to repeat: an up-to-date database is left as it is.",
    )
    upgrade_parser.set_defaults(run=upgrade)


def upgrade(arguments: argparse.Namespace) -> int:
    """Migrate the database at ``--url`` (and ``--schema``) to the newest revision.

    Raises:
        ValidationError: The URL or schema name is not usable.
        MissingDependency: The ``sql`` extra (or the PostgreSQL driver) is missing.
        StorageError: The database cannot be reached, failed, or is newer than
            this version of the library.
    """
    revision = database.upgrade(arguments.url, arguments.schema)
    where = f" (schema {arguments.schema})" if arguments.schema else ""
    print(f"The database at {shown(arguments.url)}{where} is at schema revision {revision}.")
    return ExitCode.OK
