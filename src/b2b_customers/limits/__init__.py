"""The purchasing-limit engine: from an order and account state to an explained Decision.

* `rules`: purchasing limits (scope, rule, what crossing means).
* `periods`: budget periods in the company's time zone.
* `spend`: running spend totals per scope and local day.
* `engine`: [`decide`][b2b_customers.limits.decide], and the limits that cover an order
  ([`applicable_limits`][b2b_customers.limits.applicable_limits],
  [`budgets_covering`][b2b_customers.limits.budgets_covering]).
* `decision`: the [`Decision`][b2b_customers.limits.Decision] and its reasons.
* `decision_record`: a decision kept with what it was decided on.
* `replay`: deciding again from a record.
* `simulation`: what-if runs of proposed limits over a history.
"""

from b2b_customers.limits.decision import Decision, Outcome, RuleResult
from b2b_customers.limits.decision_record import DecisionRecord
from b2b_customers.limits.engine import (
    CreditPosition,
    DecisionContext,
    applicable_limits,
    budgets_covering,
    decide,
)
from b2b_customers.limits.periods import (
    CalendarPeriod,
    CalendarUnit,
    LifetimePeriod,
    Period,
    RecurrencePeriod,
    RollingPeriod,
    Window,
    local_day,
    window_of,
)
from b2b_customers.limits.replay import Replay
from b2b_customers.limits.rules import (
    BudgetLimit,
    DistinctSkuLimit,
    FlaggedItems,
    LimitRule,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
    QuantityLimit,
    RestrictedCatalog,
    ScopeKind,
)
from b2b_customers.limits.simulation import SimulatedOrder, Simulation, simulate
from b2b_customers.limits.spend import SpendKey, SpendLookup, SpendPosting, SpendTotals

__all__ = [
    "BudgetLimit",
    "CalendarPeriod",
    "CalendarUnit",
    "CreditPosition",
    "Decision",
    "DecisionContext",
    "DecisionRecord",
    "DistinctSkuLimit",
    "FlaggedItems",
    "LifetimePeriod",
    "LimitRule",
    "LimitScope",
    "OnExceed",
    "OrderTotalLimit",
    "Outcome",
    "Period",
    "PoNumberRequired",
    "PurchasingLimit",
    "QuantityLimit",
    "RecurrencePeriod",
    "Replay",
    "RestrictedCatalog",
    "RollingPeriod",
    "RuleResult",
    "ScopeKind",
    "SimulatedOrder",
    "Simulation",
    "SpendKey",
    "SpendLookup",
    "SpendPosting",
    "SpendTotals",
    "Window",
    "applicable_limits",
    "budgets_covering",
    "decide",
    "local_day",
    "simulate",
    "window_of",
]
