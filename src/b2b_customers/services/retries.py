"""Conflict retries: run a whole unit of work again when a concurrent writer got there first.

Credit is never spent twice because saving a credit account is optimistic:
the store refuses a copy whose version is no longer the stored one
([`StaleVersion`][b2b_customers.StaleVersion]). A service that reserves or
releases credit therefore reads, decides and writes inside one unit of work,
and when the store says another writer committed first, it starts that unit
of work **again from the beginning**: it reads the fresh account, decides
again (an order that fitted a moment ago may now be denied), and writes.

The policy is small and bounded: [`DEFAULT_RETRY`][b2b_customers.services.retries.DEFAULT_RETRY]
makes at most three attempts in all. When every attempt conflicts the last
[`StaleVersion`][b2b_customers.StaleVersion] is raised, with nothing written;
the caller may try again later. Nothing sleeps between attempts: the
conflicting writer has already committed, so the next read sees its change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

from attrs import field, frozen

from b2b_customers.errors import StaleVersion, ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DEFAULT_RETRY", "MAX_ATTEMPTS", "ConflictRetry"]

T = TypeVar("T")

_log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
"""The most attempts a policy may make."""


def _attempts(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ATTEMPTS:
        raise ValidationError(
            f"must be a whole number from 1 to {MAX_ATTEMPTS}, got {value!r}", field="attempts"
        )


@frozen(kw_only=True)
class ConflictRetry:
    """How often a unit of work is started again after a version conflict.

    Attributes:
        attempts: The most attempts in all (1: never retry).
    """

    attempts: int = field(default=3, validator=_attempts)

    def run(self, work: Callable[[], T]) -> T:
        """Call ``work`` (one whole unit of work) until it does not conflict.

        Args:
            work: Opens its own unit of work, reads, writes and commits.

        Returns:
            What ``work`` returned on the first attempt that did not conflict.

        Raises:
            StaleVersion: Every attempt conflicted (nothing of them is written).
        """
        for attempt in range(1, self.attempts):
            try:
                return work()
            except StaleVersion:
                _log.info(
                    "version conflict on attempt %d of %d; starting the unit of work again",
                    attempt,
                    self.attempts,
                )
        return work()


DEFAULT_RETRY = ConflictRetry()
"""Three attempts in all: the services' policy for credit-touching units of work."""
