"""The purchasing-limit engine: from an order and account state to an explained Decision.

* :mod:`~b2b_customers.limits.rules`: purchasing limits (scope, rule, what crossing means).
* :mod:`~b2b_customers.limits.periods`: budget periods in the company's time zone.
* :mod:`~b2b_customers.limits.spend`: running spend totals per scope and local day.
* :mod:`~b2b_customers.limits.engine`: :func:`decide`.
* :mod:`~b2b_customers.limits.decision`: the :class:`Decision` and its reasons.
* :mod:`~b2b_customers.limits.decision_record`: a decision kept with what it was decided on.
* :mod:`~b2b_customers.limits.replay`: deciding again from a record.
* :mod:`~b2b_customers.limits.simulation`: what-if runs of proposed limits over a history.
"""

from b2b_customers.limits.decision import Decision, Outcome, RuleResult
from b2b_customers.limits.decision_record import DecisionRecord
from b2b_customers.limits.engine import CreditPosition, DecisionContext, decide
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
    "decide",
    "local_day",
    "simulate",
    "window_of",
]
