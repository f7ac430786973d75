"""The version of the rules a decision applied, as one short identifier.

A [Decision][b2b_customers.limits.decision.Decision] names it in ``policy_version``:
a fingerprint of the id and bookkeeping ``version`` of every purchasing limit
that applied to the order (``"none"`` when none did). Saving a limit bumps its
version, adding or removing one changes the set, and either changes the
fingerprint; the same limits at the same versions always give the same one.
The versions themselves are kept with the order
([DecisionRecord.limit_versions][b2b_customers.limits.decision_record.DecisionRecord.limit_versions]).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.limits.rules import PurchasingLimit

__all__ = ["NO_RULES", "rules_version"]

NO_RULES = "none"
"""The version of a decision that no purchasing limit applied to."""

_DIGITS = 16  # 64 bits of a SHA-256: far beyond any count of limit versions


def rules_version(limits: Iterable[PurchasingLimit]) -> str:
    """Return the fingerprint of the ids and versions of ``limits`` (order does not matter).

    ```python
    rules_version([])  # 'none'
    ```
    """
    pairs = sorted(f"{limit.id}@{limit.version}" for limit in limits)
    if not pairs:
        return NO_RULES
    digest = hashlib.sha256("\n".join(pairs).encode()).hexdigest()
    return f"limits-{digest[:_DIGITS]}"
