r"""A progress bar on stderr, without dependencies.

On a terminal the bar redraws in place (``\\r``) at most once per percent;
when stderr is a file or a pipe (a log, CI) nothing is drawn and one summary
line is written when the step is done.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]

_WIDTH = 30


class Progress:
    """Shows how far one step of a command is.

    Args:
        label: What the step does, e.g. ``"Checking rows"``.
        total: How many items the step has.
        stream: Where to write (stderr by default).
    """

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None) -> None:
        self._label = label
        self._total = max(total, 0)
        self._stream = stream if stream is not None else sys.stderr
        self._tty = self._stream.isatty()
        self._done = 0
        self._shown = -1
        self._started = time.perf_counter()

    @property
    def done(self) -> int:
        """How many items are done so far."""
        return self._done

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done (and redraw the bar on a terminal)."""
        self._done = min(self._done + count, self._total)
        if self._tty:
            percent = self._percent()
            if percent != self._shown:
                self._shown = percent
                self._draw(percent)

    def finish(self) -> None:
        """End the step: complete the bar on a terminal, else write the summary line."""
        seconds = time.perf_counter() - self._started
        if self._tty:
            self._draw(self._percent())
            self._stream.write(f" {seconds:.1f} s\n")
        else:
            self._stream.write(
                f"{self._label}: {self._done:,} of {self._total:,} in {seconds:.1f} s\n"
            )
        self._stream.flush()

    def _percent(self) -> int:
        return 100 if self._total == 0 else self._done * 100 // self._total

    def _draw(self, percent: int) -> None:
        filled = _WIDTH * percent // 100
        bar = "#" * filled + "." * (_WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {percent:3d}% {self._done:,}/{self._total:,}")
        self._stream.flush()
