"""Reading an import file: CSV rows with their line numbers, cells in the domain's types.

The file is UTF-8 (a byte-order mark, as Excel writes it, is fine) with a
header row naming the columns, its cells separated by commas, semicolons or
tabs (the header line tells which). Every cell is trimmed; an empty cell means
"not given" (the entity's default). Lists go in one cell separated by ``;``,
flags are ``true``/``false`` (also ``yes``/``no``, ``1``/``0``), dates are
ISO 8601 (``2024-05-31``), and ``custom.<name>`` columns fill custom fields
(as text).

Problems are collected, not raised one at a time: a `RowProblem` names
the line, the column and the reason, and `RowsRejected` carries all of
them.
"""

from __future__ import annotations

import csv
import pathlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date

from attrs import frozen

from b2b_customers.errors import ValidationError

__all__ = [
    "CUSTOM_PREFIX",
    "DELIMITERS",
    "CsvFile",
    "Row",
    "RowProblem",
    "RowsRejected",
    "read_csv",
]

CUSTOM_PREFIX = "custom."
"""Columns named ``custom.<name>`` fill the custom field ``<name>``."""

_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n"})


@frozen
class RowProblem:
    """Why one row of an import file cannot be imported.

    Attributes:
        line: The line of the file the row starts on (the header is line 1).
        column: The offending column, when the problem is tied to one.
        reason: What is wrong and what would be right.
    """

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        """``line 4, column currency: ...``."""
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class RowsRejected(ValidationError):
    """An import file has bad rows; nothing was imported.

    Attributes:
        problems: Every problem found, in line order.
    """

    def __init__(self, path: pathlib.Path, problems: Iterable[RowProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda problem: problem.line))
        rows = len({problem.line for problem in self.problems})
        super().__init__(
            f"{path}: {rows} bad row{'s' if rows != 1 else ''}; nothing was imported. "
            "Fix them and import the whole file again"
        )


@frozen
class Row:
    """One data row of an import file.

    Attributes:
        line: The line the row starts on (the header is line 1).
        cells: The trimmed cell of every column in the header.
    """

    line: int
    cells: Mapping[str, str]

    def text(self, column: str) -> str | None:
        """Return the cell of ``column``, or ``None`` when it is empty or not in the file."""
        return self.cells.get(column) or None

    def items(self, column: str) -> list[str]:
        """Return the ``;``-separated items of a cell (empty items dropped)."""
        value = self.cells.get(column, "")
        return [item.strip() for item in value.split(";") if item.strip()]

    def flag(self, column: str) -> bool | None:
        """Return a ``true``/``false`` cell as a flag, or ``None`` when it is empty.

        Raises:
            ValidationError: The cell is not a flag (``field`` is the column).
        """
        value = self.text(column)
        if value is None:
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ValidationError(f"write true or false, got {value!r}", field=column)

    def day(self, column: str) -> date | None:
        """Return an ISO 8601 date cell (``2024-05-31``), or ``None`` when it is empty.

        Raises:
            ValidationError: The cell is not such a date (``field`` is the column).
        """
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                f"write a date as YYYY-MM-DD, such as 2024-05-31, got {value!r}", field=column
            ) from None

    def whole_number(self, column: str) -> int | None:
        """Return a cell holding a whole number, or ``None`` when it is empty.

        Raises:
            ValidationError: The cell is not a whole number (``field`` is the column).
        """
        value = self.text(column)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise ValidationError(f"write a whole number, got {value!r}", field=column) from None

    def custom_fields(self) -> dict[str, str]:
        """Return the non-empty ``custom.<name>`` cells as custom fields (text)."""
        return {
            column.removeprefix(CUSTOM_PREFIX): value
            for column, value in self.cells.items()
            if column.startswith(CUSTOM_PREFIX) and value
        }

    def problem(
        self, error: ValidationError, columns: Mapping[str, str] | None = None
    ) -> RowProblem:
        """Return the problem ``error`` reports, naming the column of the entity field it names.

        Args:
            error: What building the entity raised.
            columns: The column of each entity field whose column has another name.
        """
        column = error.field
        if column is not None:
            column = (columns or {}).get(column, column)
        if column is not None and column not in self.cells and not column.startswith(CUSTOM_PREFIX):
            return RowProblem(self.line, None, f"{error.field}: {error.reason}")
        return RowProblem(self.line, column, error.reason)


DELIMITERS = (",", ";", "\t")
"""The cell separators an import file may use: read from its header line."""


@frozen
class CsvFile:
    """An import file whose header is checked: its rows are read when iterated, each time anew.

    Attributes:
        path: The file.
        header: The columns, in the file's order.
        delimiter: The cell separator the header line uses (``,``, ``;`` or a tab).
    """

    path: pathlib.Path
    header: tuple[str, ...]
    delimiter: str

    def __iter__(self) -> Iterator[Row | RowProblem]:
        """Yield every row, or the problem of a row the CSV reader cannot make sense of.

        Raises:
            ValidationError: The file is not UTF-8 text.
            OSError: The file cannot be read.
        """
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            next(reader, None)
            yield from _rows(self.path, reader, list(self.header))

    def lines(self) -> int:
        """Return how many lines follow the header (the rows, but for cells holding line breaks)."""
        with self.path.open("rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)


def read_csv(path: pathlib.Path, *, columns: Iterable[str], required: Iterable[str]) -> CsvFile:
    """Open an import file and check its header; the rows are read when it is iterated.

    The cells may be separated by commas, semicolons (Excel's CSV in much of
    Europe) or tabs: the separator the header line uses most is taken.

    Args:
        path: The CSV file.
        columns: Every column the kind of file may have (besides ``custom.<name>``).
        required: The columns it must have.

    Raises:
        RowsRejected: The header lacks a required column, names an unknown one
            or names one twice (line 1 is reported, nothing else).
        ValidationError: The file is empty or is not UTF-8 text.
        OSError: The file cannot be read.
    """
    known = tuple(columns)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            first = handle.readline()
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        delimiter = max(DELIMITERS, key=first.count) if first.strip() else ","
        try:
            header = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter))]
        except StopIteration:
            header = []
        except csv.Error as error:
            raise RowsRejected(path, [RowProblem(1, None, f"not valid CSV: {error}")]) from None
    if not any(header):
        raise ValidationError(
            f"{path} is empty; the first line names the columns ({', '.join(known)})"
        )
    _check_header(path, header, known, tuple(required))
    return CsvFile(path, tuple(header), delimiter)


def _check_header(
    path: pathlib.Path, header: list[str], known: tuple[str, ...], required: tuple[str, ...]
) -> None:
    problems = [
        RowProblem(1, column, "this column is required")
        for column in required
        if column not in header
    ]
    seen: set[str] = set()
    unknown: list[str] = []
    for column in header:
        if column in seen:
            problems.append(RowProblem(1, column, "this column is named twice; keep one"))
        seen.add(column)
        if column not in known and not (
            column.startswith(CUSTOM_PREFIX) and len(column) > len(CUSTOM_PREFIX)
        ):
            unknown.append(column)
    if unknown:
        names = ", ".join(repr(column) for column in unknown)
        problems.append(
            RowProblem(
                1,
                None,
                f"unknown column{'s' if len(unknown) > 1 else ''} {names}; the columns are "
                f"{', '.join(known)} and {CUSTOM_PREFIX}<name> for custom fields",
            )
        )
    if problems:
        raise RowsRejected(path, problems)


def _rows(
    path: pathlib.Path, reader: Iterator[list[str]], header: list[str]
) -> Iterator[Row | RowProblem]:
    ended = 1  # the line the previous record ended on
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except csv.Error as error:
            yield RowProblem(ended + 1, None, f"not valid CSV: {error}")
            return
        start, ended = ended + 1, _line_num(reader, ended + 1)
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(header):
            yield RowProblem(
                start,
                None,
                f"has {len(cells)} cells but the header names {len(header)} columns; "
                "quote cells that contain the separator",
            )
            continue
        yield Row(start, dict(zip(header, (cell.strip() for cell in cells), strict=True)))


def _line_num(reader: object, default: int) -> int:
    line_num = getattr(reader, "line_num", None)
    return line_num if isinstance(line_num, int) else default


def _not_utf8(path: pathlib.Path) -> ValidationError:
    return ValidationError(f"{path} is not UTF-8 text; save it as CSV UTF-8 and try again")
