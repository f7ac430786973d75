"""The export directory: one JSON file per kind of row, read on open, replaced on commit."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2b_customers.errors import B2BError, StorageError
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from b2b_customers.serialization import Converter
    from json_erp.kinds import Kind

__all__ = ["ExportDirectory"]


@functools.cache
def _converter() -> Converter:
    """The library's converter, made once: building one is slow, sharing one is safe."""
    return make_converter()


class ExportDirectory:
    """A directory of JSON files standing for an ERP's export, one file per kind of row.

    Each file is a JSON list of rows sorted by key, one row a line, every row
    an entity unstructured by the library's own converter
    (`b2b_customers.serialization.make_converter`), so amounts keep
    every digit and times their offset. A missing file is an empty kind.

    Args:
        path: The directory; created when it does not exist.
        durable: Flush every file to the disk (``fsync``) before it replaces
            the old one. Tests may turn it off to run faster.

    Raises:
        StorageError: The directory cannot be created.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable
        self._converter = _converter()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"cannot create the export directory {self.path}: {error}"
            ) from error

    def file_of(self, kind: Kind[Any]) -> Path:
        """Return the file the rows of ``kind`` live in."""
        return self.path / f"{kind.name}.json"

    def load(self, kinds: Iterable[Kind[Any]]) -> dict[str, dict[str, Any]]:
        """Read the rows of every kind, by kind name and key.

        Raises:
            StorageError: A file cannot be read, is not JSON, or holds a row
                the converter refuses (the message names the file and the field).
        """
        return {kind.name: self._load(kind) for kind in kinds}

    def _load(self, kind: Kind[Any]) -> dict[str, Any]:
        file = self.file_of(kind)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StorageError(f"cannot read {file}: {error}") from error
        try:
            data = json.loads(text)
            if not isinstance(data, list):
                raise StorageError(f"found a JSON {type(data).__name__}")
            rows = [self._converter.structure(item, kind.row_type) for item in data]
        except (ValueError, B2BError) as error:
            raise StorageError(
                f"{file} does not hold a JSON list of {kind.row_type.__name__} rows: {error}. "
                "Fix the file, or move it away to start that kind empty"
            ) from error
        return {kind.key(row): row for row in rows}

    def write(self, changes: Mapping[Kind[Any], Mapping[str, Any]]) -> None:
        """Replace the files of the changed kinds, each one atomically.

        Every new file is written in full to a temporary file beside the old
        one first; only when all are written do they replace the old files
        (``os.replace``), so a failure while writing leaves every old file
        as it was.

        Raises:
            StorageError: A file cannot be written (nothing is replaced).
        """
        written: list[tuple[Path, Path]] = []
        try:
            for kind, rows in changes.items():
                written.append((self._write_temporary(kind, rows), self.file_of(kind)))
            for temporary, file in written:
                temporary.replace(file)
        except OSError as error:
            for temporary, _file in written:
                temporary.unlink(missing_ok=True)
            raise StorageError(f"cannot write the export in {self.path}: {error}") from error

    def _write_temporary(self, kind: Kind[Any], rows: Mapping[str, Any]) -> Path:
        lines = [
            json.dumps(self._converter.unstructure(rows[key], unstructure_as=kind.row_type))
            for key in sorted(rows)
        ]
        handle, name = tempfile.mkstemp(prefix=f".{kind.name}.", suffix=".tmp", dir=self.path)
        temporary = Path(name)
        try:
            temporary.chmod(0o644)  # mkstemp makes it private; the export is readable
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write("[\n" + ",\n".join(lines) + "\n]\n")
                if self.durable:
                    file.flush()
                    os.fsync(file.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return temporary
