"""Who the command line acts as: the seller's own administrator at the keyboard."""

from __future__ import annotations

from b2b_customers.services.authorization import Staff, StaffRole

__all__ = ["COMMAND_LINE"]

COMMAND_LINE = Staff(
    id="command-line",
    name="b2b-customers command line",
    roles=frozenset({StaffRole.ADMINISTRATOR}),
)
"""The actor of every change and check made from the command line (recorded in events)."""
