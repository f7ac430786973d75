"""The ``b2b-customers`` command line (also ``python -m b2b_customers``).

Commands:

* ``demo``: a company group, its buyers, limits and credit, on an SQLite file.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from b2b_customers import __version__
from b2b_customers.cli import demo
from b2b_customers.errors import B2BError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="b2b-customers",
        description="Business customers of a B2B seller: companies, buyers, limits and approvals.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo_parser = commands.add_parser(
        "demo", help="walk through a realistic example on an SQLite file, in plain words"
    )
    demo.add_arguments(demo_parser)
    demo_parser.set_defaults(run=demo.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    arguments = _parser().parse_args(argv)
    try:
        arguments.run(arguments)
    except B2BError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
