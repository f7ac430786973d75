"""How the benchmarks measure and report: best-of-N wall time, and ratios against a baseline.

Every benchmark measures the library and a baseline doing the same work in the
same run, on the same machine, and prints both figures and their ratio next to
the target the issue names. Nothing here asserts: a benchmark reports.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Result", "best_time", "report"]


def best_time(work: Callable[[], object], *, repeat: int = 5, number: int = 1) -> float:
    """Return the best of ``repeat`` timings of ``number`` calls of ``work``, per call (s)."""
    timings = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        for _ in range(number):
            work()
        timings.append((time.perf_counter() - started) / number)
    return min(timings)


class Result:
    """One comparison: ours against the baseline, and the target ratio."""

    def __init__(
        self, name: str, ours: float, baseline: float, target: str, *, unit: str = "s"
    ) -> None:
        self.name = name
        self.ours = ours
        self.baseline = baseline
        self.target = target
        self.unit = unit

    @property
    def ratio(self) -> float:
        """``ours / baseline`` (lower is better for ours)."""
        return self.ours / self.baseline if self.baseline else float("inf")


def report(results: list[Result]) -> None:
    """Print a table of the results."""
    width = max(len(result.name) for result in results)
    print(f"{'benchmark':<{width}}  {'ours':>12}  {'baseline':>12}  {'ratio':>9}  target")
    for result in results:
        print(
            f"{result.name:<{width}}  {_fmt(result.ours)}  {_fmt(result.baseline)}  "
            f"{_ratio(result.ratio)}x  {result.target}"
        )


def _ratio(ratio: float) -> str:
    return f"{ratio:>8.2f}" if ratio >= 0.1 else f"{ratio:>8.4f}"  # a 1000x speed-up is not 0.00x


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:>10.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:>9.3f} ms"
    return f"{seconds * 1e6:>9.2f} µs"
