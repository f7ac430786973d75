"""The progress bar draws on a terminal and writes one summary line elsewhere."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_redraws_in_place_up_to_100_percent():
    stream = Terminal()
    progress = Progress("Writing", 200, stream=stream)
    for _ in range(200):
        progress.advance()
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 102  # 0 is never drawn: once per percent 1..100, then the finish
    assert "[##############################] 100% 200/200" in text
    assert text.endswith(" s\n")


def test_elsewhere_only_a_summary_line_is_written():
    stream = io.StringIO()
    progress = Progress("Checking rows", 3, stream=stream)
    progress.advance(3)
    progress.finish()
    assert stream.getvalue().startswith("Checking rows: 3 of 3 in ")
    assert stream.getvalue().count("\n") == 1


@given(total=st.integers(0, 500), steps=st.lists(st.integers(1, 50), max_size=30))
def test_done_never_passes_the_total(total, steps):
    progress = Progress("x", total, stream=Terminal())
    for step in steps:
        progress.advance(step)
        assert 0 <= progress.done <= total
    assert progress.done == min(sum(steps), total)
