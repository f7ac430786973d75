"""A decision kept with what it was decided on, so that it can be decided again.

A [DecisionRecord][b2b_customers.limits.decision_record.DecisionRecord] holds the order as
it was checked, the company and buyer as the engine saw them, every purchasing
limit that applied (each at the version it had), the credit position, the
spend totals and currency conversions the engine read, the approval policy's
version when the order went to approval, and the decision itself. Its
[context][b2b_customers.limits.decision_record.DecisionRecord.context] is a
[DecisionContext][b2b_customers.limits.engine.DecisionContext] built from those
alone: [decide][b2b_customers.limits.engine.decide] run on it at the recorded time
gives the same decision, whatever the rules, history or rates are today.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import field, frozen

from b2b_customers.domain.company import Company
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.order import OrderDraft
from b2b_customers.domain.values import optional, text, version_number
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits.decision import Decision
from b2b_customers.limits.engine import CreditPosition, DecisionContext
from b2b_customers.limits.readings import (
    Conversion,
    RecordedRates,
    RecordedSpend,
    SpendReading,
)
from b2b_customers.limits.rules import PurchasingLimit

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["DecisionRecord"]


def _limits(value: Iterable[PurchasingLimit]) -> tuple[PurchasingLimit, ...]:
    return tuple(value)


def _company_ids(value: Iterable[CompanyId]) -> tuple[CompanyId, ...]:
    return tuple(value)


def _group_ids(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _readings(value: Iterable[SpendReading]) -> tuple[SpendReading, ...]:
    return tuple(value)


def _conversions(value: Iterable[Conversion]) -> tuple[Conversion, ...]:
    return tuple(value)


@frozen(kw_only=True)
class DecisionRecord:
    """A decision with everything it was decided on.

    Attributes:
        order: The order as checked.
        decision: What the engine answered (every reason, with the figures).
        company: The ordering company as it was then.
        buyer: The buyer as they were then (status, roles).
        ancestors: The company's ancestors then, nearest first.
        group_ids: The customer groups of the buyer the limits looked at.
        limits: Every purchasing limit that applied, at the version it had
            (see `limit_versions`).
        credit: The credit position read (limit, balance, reserved, hold),
            when the company buys on credit.
        spend: Every spend total the engine read, with its window.
        conversions: Every currency conversion the engine made.
        count_pending: Whether budgets counted orders pending approval.
        approval_policy_id: The approval policy the order was routed by, when
            it went to approval.
        approval_policy_version: That policy's stored version (0: built in).
    """

    order: OrderDraft
    decision: Decision
    company: Company
    buyer: Customer
    ancestors: tuple[CompanyId, ...] = field(factory=tuple, converter=_company_ids)
    group_ids: frozenset[str] = field(factory=frozenset, converter=_group_ids)
    limits: tuple[PurchasingLimit, ...] = field(factory=tuple, converter=_limits)
    credit: CreditPosition | None = None
    spend: tuple[SpendReading, ...] = field(factory=tuple, converter=_readings)
    conversions: tuple[Conversion, ...] = field(factory=tuple, converter=_conversions)
    count_pending: bool = True
    approval_policy_id: str | None = field(default=None, validator=optional(text(max_length=64)))
    approval_policy_version: int | None = field(default=None, validator=optional(version_number))

    @classmethod
    def of(
        cls,
        order: OrderDraft,
        context: DecisionContext,
        decision: Decision,
        *,
        spend: Iterable[SpendReading] = (),
        conversions: Iterable[Conversion] = (),
    ) -> DecisionRecord:
        """Record ``decision``, made on ``order`` in ``context``.

        Of the context's limits, only those the decision evaluated are kept
        (the others did not cover the order, so deciding again skips them too).

        Args:
            order: The order decided on.
            context: The context it was decided in.
            decision: What [decide][b2b_customers.limits.engine.decide] answered.
            spend: The spend totals it read (see
                `RecordingSpend`).
            conversions: The conversions it made (see
                `RecordingRates`).
        """
        applied = {result.limit_id for result in decision.results if result.limit_id is not None}
        return cls(
            order=order,
            decision=decision,
            company=context.company,
            buyer=context.buyer,
            ancestors=context.ancestors,
            group_ids=context.group_ids,
            limits=tuple(limit for limit in context.limits if limit.id in applied),
            credit=context.credit,
            spend=spend,
            conversions=conversions,
            count_pending=context.count_pending,
        )

    @property
    def limit_versions(self) -> dict[LimitId, int]:
        """The version of every purchasing limit that applied, by id."""
        return {limit.id: limit.version for limit in self.limits}

    def context(self) -> DecisionContext:
        """Return the context the decision was made in, built from this record alone.

        Spend and exchange rates answer only the questions recorded: nothing
        is read from a store, a clock or today's rates.
        """
        return DecisionContext(
            company=self.company,
            buyer=self.buyer,
            limits=self.limits,
            spend=RecordedSpend(self.spend),
            ancestors=self.ancestors,
            group_ids=self.group_ids,
            credit=self.credit,
            rates=RecordedRates(self.conversions) if self.conversions else None,
            count_pending=self.count_pending,
        )
