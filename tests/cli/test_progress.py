"""Progress bars: tqdm's, with rate and ETA, on a terminal only; silent elsewhere."""

from __future__ import annotations

import importlib.util
import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.cli.progress import StepProgress, bars_available


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeBar:
    def __init__(self, **options: Any) -> None:
        self.options = options
        self.count = 0
        self.closed = False

    def update(self, count: int) -> None:
        self.count += count

    def close(self) -> None:
        self.closed = True


def test_on_a_terminal_tqdm_draws_the_rate_and_the_time_left():
    stream = Terminal()
    progress = StepProgress("companies", rows=200, stream=stream)
    for _ in range(4):
        progress("writing", 50)
    progress.close()
    text = stream.getvalue()
    assert "Writing companies" in text
    assert "200/200" in text
    assert "rows/s" in text


def test_nothing_is_written_when_stderr_is_no_terminal():
    stream = io.StringIO()
    progress = StepProgress("companies", rows=3, stream=stream)
    progress("checking", 3)
    progress.close()
    assert stream.getvalue() == ""


def test_nothing_is_written_without_the_cli_extra(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda _name: None)
    stream = Terminal()
    assert not bars_available(stream)
    progress = StepProgress("companies", rows=3, stream=stream)
    progress("checking", 3)
    progress.close()
    assert stream.getvalue() == ""


def test_each_step_gets_its_own_bar_and_the_one_before_is_closed():
    bars: list[FakeBar] = []

    def make(**options: Any) -> FakeBar:
        bars.append(FakeBar(**options))
        return bars[-1]

    progress = StepProgress("customers", rows=10, stream=Terminal(), bar=make)
    progress("checking", 6)
    progress("checking", 4)
    progress("writing", 10)
    progress.close()
    assert [(bar.options["desc"], bar.count, bar.closed) for bar in bars] == [
        ("Checking customers", 10, True),
        ("Writing customers", 10, True),
    ]
    assert bars[0].options["total"] == 10


@given(steps=st.lists(st.tuples(st.sampled_from(["checking", "writing"]), st.integers(0, 50))))
def test_a_bar_counts_every_item_of_its_step(steps):
    bars: list[FakeBar] = []

    def make(**options: Any) -> FakeBar:
        bars.append(FakeBar(**options))
        return bars[-1]

    progress = StepProgress("x", stream=Terminal(), bar=make)
    for step, count in steps:
        progress(step, count)
    progress.close()
    assert sum(bar.count for bar in bars) == sum(count for _, count in steps)
    assert all(bar.closed for bar in bars)
