"""Deciding again: a recorded decision next to what the engine answers now from the same record.

[Replay.of][b2b_customers.limits.replay.Replay.of] runs
[decide][b2b_customers.limits.engine.decide] on a
[DecisionRecord][b2b_customers.limits.decision_record.DecisionRecord]'s order, in the
context the record describes, at the recorded time. The engine is a pure
function, so the two decisions agree, outcome, reasons, figures and
``policy_version`` alike, unless the engine itself changed since (a new
library version deciding differently): [matches][b2b_customers.limits.replay.Replay.matches]
says which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import field, frozen

from b2b_customers.domain.values import identifier
from b2b_customers.ids import OrderId
from b2b_customers.limits.decision import Decision
from b2b_customers.limits.engine import decide

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.limits.decision_record import DecisionRecord

__all__ = ["Replay"]


@frozen(kw_only=True)
class Replay:
    """A recorded decision and the same decision made again.

    Attributes:
        order_id: The order decided on.
        original: The decision recorded when the order was placed or submitted.
        replayed: The decision made again from the record.
    """

    order_id: OrderId = field(validator=identifier)
    original: Decision
    replayed: Decision

    @property
    def matches(self) -> bool:
        """Whether both decisions agree: outcome, every reason with its figures, version."""
        return self.original == self.replayed

    @classmethod
    def of(
        cls,
        order_id: OrderId,
        record: DecisionRecord,
        *,
        shown: Callable[[Decision], Decision] | None = None,
    ) -> Replay:
        """Decide ``record``'s order again from the record alone.

        Args:
            order_id: The order the record is kept with.
            record: What the decision was made on.
            shown: How each decision is shown to whoever asks (for example
                without the credit figures); both are shown the same way.

        Raises:
            ValidationError: The record is inconsistent (the engine asks
                for spend that was never recorded).
            CurrencyMismatch: The engine asks for a conversion never recorded.
        """
        replayed = decide(record.order, record.context(), record.decision.evaluated_at)
        original = record.decision
        if shown is not None:
            original, replayed = shown(original), shown(replayed)
        return cls(order_id=order_id, original=original, replayed=replayed)
