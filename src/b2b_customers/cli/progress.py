"""Progress bars with rate and ETA on a terminal, drawn by tqdm (the ``cli`` extra).

A bar is drawn only when stderr is a terminal and tqdm is installed
(``pip install "b2b-customers[cli]"``); otherwise, in a pipe, a log or CI,
or without the extra, nothing is written. A step's bar shows how many items
are done, the rate and the time left.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["StepProgress", "bars_available"]

_STEPS = {"checking": "Checking", "importing": "Importing", "writing": "Writing"}


def bars_available(stream: TextIO | None = None) -> bool:
    """Tell whether a bar is drawn: ``stream`` (stderr) is a terminal and tqdm is installed."""
    target = stream if stream is not None else sys.stderr
    return target.isatty() and importlib.util.find_spec("tqdm") is not None


class StepProgress:
    """One bar per step of a command (``checking``, ``writing``, ``exporting``): a callable.

    Call it with the step and how many more items are done; a new step closes
    the bar of the one before.

    Args:
        what: The items counted (``"companies"``).
        rows: How many items each step has, if known (the file's lines).
        stream: Where to draw (stderr by default).
        bar: Makes a bar (tqdm's by default); for tests.
    """

    def __init__(
        self,
        what: str,
        *,
        rows: int | None = None,
        stream: TextIO | None = None,
        bar: Callable[..., Any] | None = None,
    ) -> None:
        self._what = what
        self._rows = rows
        self._stream = stream if stream is not None else sys.stderr
        self._make = bar if bar is not None else (_tqdm() if bars_available(self._stream) else None)
        self._step: str | None = None
        self._bar: Any = None

    def __call__(self, step: str, count: int) -> None:
        """Count ``count`` more items done in ``step``."""
        if self._make is None:
            return
        if step != self._step:
            self.close()
            self._step = step
            self._bar = self._make(
                total=self._rows,
                desc=f"{_STEPS.get(step, step.capitalize())} {self._what}",
                unit=" rows" if step != "exporting" else f" {self._what}",
                file=self._stream,
                leave=True,
                dynamic_ncols=True,
            )
        self._bar.update(count)

    def close(self) -> None:
        """End the current step's bar, if one is drawn."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._step = None


def _tqdm() -> Callable[..., Any] | None:
    try:
        from tqdm import tqdm  # noqa: PLC0415  (an optional extra, imported only on a terminal)
    except ImportError:  # pragma: no cover  (bars_available checked it is there)
        return None
    return tqdm
