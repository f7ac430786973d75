"""How many examples a property test may draw: its own number, never more than the profile's.

A test that needs fewer examples than the profile (each is costly) asks for
``examples(25)``; the quick loop's ``fast`` profile then still cuts it down
(docs/development.md, "The quick loop").
"""

from __future__ import annotations

from hypothesis import settings

__all__ = ["examples"]


def examples(wanted: int) -> int:
    """Return ``wanted``, or the loaded Hypothesis profile's ``max_examples`` if that is fewer."""
    return min(wanted, settings().max_examples)
