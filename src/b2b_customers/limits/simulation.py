"""What-if: how would a proposed set of limits have decided the orders we already have?

[`simulate`][b2b_customers.limits.simulate] replays a recorded order history, oldest first, and asks
[`decide`][b2b_customers.limits.decide] about each order as if the proposed
limits had been in force, with the spend that had *actually* happened before
it (the past is not rewritten: an order that would have needed approval still
happened). It answers order by order, with totals, and loads into a pandas
DataFrame with one call when pandas is installed::

    result = simulate(history, limits=[monthly_5000], companies=companies)
    result.counts[Outcome.APPROVAL_REQUIRED]      # how many would have needed sign-off
    result.to_dataframe()                          # one row per order

Cancelled orders are skipped: they were never decided on. Buyers missing from
``customers`` are treated as plain buyers of the ordering company, so a
history exported without user data can still be explored.
"""

from __future__ import annotations

import importlib
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from attrs import frozen

from b2b_customers.arguments import checked_arguments
from b2b_customers.domain.company import Company
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.hierarchy import CompanyTree
from b2b_customers.domain.membership import Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord
from b2b_customers.errors import MissingDependency, NotFound, ValidationError
from b2b_customers.limits.decision import Decision, Outcome
from b2b_customers.limits.engine import DecisionContext, decide
from b2b_customers.limits.spend import SpendTotals

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from b2b_customers.ids import CompanyId, CustomerId
    from b2b_customers.limits.rules import PurchasingLimit
    from b2b_customers.ports import ExchangeRates

__all__ = ["SimulatedOrder", "Simulation", "simulate"]

_TOTAL_SKU = "ORDER-TOTAL"


@frozen(kw_only=True)
class SimulatedOrder:
    """One recorded order and how the proposed limits would have decided it.

    Attributes:
        order: The order as it was recorded.
        decision: The decision under the proposed limits.
    """

    order: OrderRecord
    decision: Decision

    def as_row(self) -> dict[str, Any]:
        """Return a flat dict: one table row, ready for a DataFrame or a CSV writer."""
        crossed = self.decision.crossed
        budget = next((r for r in self.decision.results if r.rule == "budget"), None)
        return {
            "order_id": self.order.id,
            "company_id": self.order.company_id,
            "buyer_id": self.order.buyer_id,
            "placed_at": self.order.placed_at,
            "total": self.order.total.amount,
            "currency": self.order.total.currency.code,
            "outcome": self.decision.outcome.value,
            "crossed": ", ".join(result.rule for result in crossed),
            "budget_spent_before": budget.spent.amount if budget and budget.spent else None,
            "budget_limit": budget.limit.amount if budget and budget.limit else None,
            "reason": crossed[0].message if crossed else "",
        }


@frozen(kw_only=True)
class Simulation:
    """The answer of [`simulate`][b2b_customers.limits.simulate].

    Attributes:
        orders: Every simulated order, oldest first.
    """

    orders: tuple[SimulatedOrder, ...]

    @property
    def counts(self) -> Mapping[Outcome, int]:
        """How many orders got each outcome (every outcome present, zero when none)."""
        counted = Counter(row.decision.outcome for row in self.orders)
        return {outcome: counted.get(outcome, 0) for outcome in Outcome}

    def amounts(self, currency: str) -> Mapping[Outcome, Decimal]:
        """The total value of the orders in ``currency`` per outcome."""
        sums = dict.fromkeys(Outcome, Decimal(0))
        for row in self.orders:
            if row.order.total.currency.code == currency:
                sums[row.decision.outcome] += row.order.total.amount
        return sums

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per order (see `SimulatedOrder.as_row`)."""
        return [row.as_row() for row in self.orders]

    def to_dataframe(self) -> Any:  # noqa: ANN401  (pandas is optional, so is its type)
        """Return the rows as a pandas DataFrame.

        Raises:
            MissingDependency: pandas is not installed (``pip install pandas``).
        """
        try:
            pandas = importlib.import_module("pandas")  # optional: not a dependency
        except ImportError:
            raise MissingDependency(
                "to_dataframe() needs pandas: pip install pandas (or use rows())"
            ) from None
        return pandas.DataFrame(self.rows())


@checked_arguments
def simulate(
    history: Iterable[OrderRecord],
    *,
    limits: Sequence[PurchasingLimit],
    companies: Mapping[CompanyId, Company],
    customers: Mapping[CustomerId, Customer] | None = None,
    rates: ExchangeRates | None = None,
    count_pending: bool = True,
    policy_version: str = "what-if",
) -> Simulation:
    """Decide every recorded order again under ``limits``, oldest first.

    Args:
        history: The recorded orders (any order; they are sorted by time).
        limits: The proposed limits.
        companies: Every company that ordered, and their ancestors.
        customers: The buyers, for their roles; missing ones are plain buyers.
        rates: Exchange rates, when orders and limits use different currencies.
        count_pending: Count orders pending approval against budgets.
        policy_version: Recorded in every decision.

    Raises:
        ValidationError: An argument is not what it should be (a company
            or customer of the mappings included).
        NotFound: An order's company is not in ``companies``.
        CurrencyMismatch: An order and a limit differ in currency and
            ``rates`` cannot convert.
    """
    _require_values(companies, Company, "companies")
    _require_values(customers or {}, Customer, "customers")
    tree = CompanyTree({company_id: company.parent_id for company_id, company in companies.items()})
    spend = SpendTotals(
        {company_id: company.time_zone for company_id, company in companies.items()}
    )
    known = customers or {}
    results: list[SimulatedOrder] = []
    for order in sorted(history, key=lambda record: (record.placed_at, record.id)):
        if not order.counts_against_budgets:
            continue
        company = companies.get(order.company_id)
        if company is None:
            raise NotFound("Company", order.company_id)
        ancestors = tuple(tree.ancestors(order.company_id))
        context = DecisionContext(
            company=company,
            buyer=known.get(order.buyer_id) or _plain_buyer(order),
            limits=limits,
            spend=spend,
            ancestors=ancestors,
            rates=rates,
            count_pending=count_pending,
            policy_version=policy_version,
        )
        decision = decide(_draft_of(order), context, order.placed_at)
        results.append(SimulatedOrder(order=order, decision=decision))
        spend.record(order, ancestors)
    return Simulation(orders=tuple(results))


def _require_values(mapping: Mapping[Any, object], kind: type, argument: str) -> None:
    for key, value in mapping.items():
        if not isinstance(value, kind):
            raise ValidationError(
                f"{argument}[{key!r}] must be a {kind.__name__}, got {type(value).__name__}",
                field=argument,
            )


def _draft_of(order: OrderRecord) -> OrderDraft:
    lines = order.lines or (OrderLine(sku=_TOTAL_SKU, quantity=1, unit_price=order.total),)
    return OrderDraft(
        company_id=order.company_id,
        buyer_id=order.buyer_id,
        lines=lines,
        location_id=order.location_id,
        po_number=order.po_number,
    )


def _plain_buyer(order: OrderRecord) -> Customer:
    return Customer(
        id=order.buyer_id,
        email="unknown-buyer@example.invalid",
        first_name="Buyer",
        last_name=str(order.buyer_id),
    ).with_roles(order.company_id, [Role.BUYER])
