"""Typed identifiers and the generators that mint them.

Every id is a ``str`` at run time, but a distinct type for mypy, so a
`CustomerId` cannot be passed where a `CompanyId` is expected.
Ids are opaque: adapters may use their ERP's keys, as long as they are
non-empty strings of at most 64 characters.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import NewType

__all__ = [
    "MAX_ID_LENGTH",
    "ApprovalGroupId",
    "ApprovalPolicyId",
    "ApprovalRequestId",
    "ApproverLimitId",
    "CompanyId",
    "ContactAssignmentId",
    "CreditAccountId",
    "CustomerGroupId",
    "CustomerId",
    "EventId",
    "LimitId",
    "LocationId",
    "OrderId",
    "RandomIds",
    "SequentialIds",
]

MAX_ID_LENGTH = 64
"""The longest id the library (and its SQL schema) accepts."""

CompanyId = NewType("CompanyId", str)
LocationId = NewType("LocationId", str)
CustomerId = NewType("CustomerId", str)
ContactAssignmentId = NewType("ContactAssignmentId", str)
CustomerGroupId = NewType("CustomerGroupId", str)
EventId = NewType("EventId", str)
LimitId = NewType("LimitId", str)
CreditAccountId = NewType("CreditAccountId", str)
ApprovalRequestId = NewType("ApprovalRequestId", str)
ApprovalPolicyId = NewType("ApprovalPolicyId", str)
ApprovalGroupId = NewType("ApprovalGroupId", str)
ApproverLimitId = NewType("ApproverLimitId", str)
OrderId = NewType("OrderId", str)


class RandomIds:
    """Mints random, collision-free ids (UUID4, 32 hex digits).

    The default generator: safe across processes and hosts sharing one
    database.
    """

    def __call__(self) -> str:
        """Return a new id."""
        return uuid.uuid4().hex


class SequentialIds:
    """Mints predictable ids ``"<prefix>1"``, ``"<prefix>2"``, ... for tests and demos.

    Thread-safe within one process; not for ids shared between processes.

    Args:
        prefix: Text put in front of every number.
        start: The first number handed out.
    """

    def __init__(self, prefix: str = "id-", start: int = 1) -> None:
        self._prefix = prefix
        self._numbers = itertools.count(start)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        """Return the next id."""
        with self._lock:
            return f"{self._prefix}{next(self._numbers)}"
