"""The engine's answer for an order: allowed, approval required, or denied, with every reason.

A [`Decision`][b2b_customers.limits.Decision] lists a
[`RuleResult`][b2b_customers.limits.RuleResult] for every rule it evaluated, crossed or not, with
the figures (limit, spent so far, this order, what remains), so a shop can show the buyer why and an
auditor can replay it with the recorded ``policy_version`` (see
[DecisionRecord][b2b_customers.limits.decision_record.DecisionRecord]).

The engine hands each result its message as a `DeferredMessage`: the
sentence is formatted the first time it is read (``result.message``,
[`Decision.explain`][b2b_customers.limits.Decision.explain], comparing or storing the result), not
for every rule of every decision. A result compares, hashes, pickles and serializes by the
text, so a deferred message and the same text given as a string are equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.money import format_money
from b2b_customers.domain.values import (
    DomainEnum,
    aware_datetime,
    identifier,
    items_of,
    optional,
)
from b2b_customers.errors import ValidationError
from b2b_customers.ids import LimitId

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["CREDIT_RULE", "Decision", "DeferredMessage", "Outcome", "RuleResult"]

CREDIT_RULE = "credit"
"""The name of the rule that weighs an order against the company's credit line."""


class Outcome(DomainEnum):
    """What the engine answers, from best to worst."""

    ALLOWED = "allowed"
    APPROVAL_REQUIRED = "approval_required"
    DENIED = "denied"

    @property
    def severity(self) -> int:
        """0 for allowed, 1 for approval required, 2 for denied."""
        return _SEVERITY[self]

    @classmethod
    def worst(cls, outcomes: Iterable[Outcome]) -> Outcome:
        """Return the most severe of ``outcomes`` (allowed when there are none)."""
        worst = cls.ALLOWED
        for outcome in outcomes:
            if _SEVERITY[outcome] > _SEVERITY[worst]:
                worst = outcome
        return worst


_SEVERITY = {Outcome.ALLOWED: 0, Outcome.APPROVAL_REQUIRED: 1, Outcome.DENIED: 2}


def _outcome(value: Outcome | str) -> Outcome:
    return value if type(value) is Outcome else Outcome(value)


class DeferredMessage:
    """A rule's sentence, formatted when first read: ``format(*figures)``.

    Args:
        format: Builds the sentence from the figures.
        *figures: What the sentence says (labels, amounts, counts).
    """

    __slots__ = ("_figures", "_format")

    def __init__(self, format: Callable[..., str], *figures: object) -> None:  # noqa: A002
        self._format = format
        self._figures = figures

    def __str__(self) -> str:
        """Format the sentence."""
        return self._format(*self._figures)

    def __repr__(self) -> str:
        """Show the sentence."""
        return repr(str(self))

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        """Pickle and copy as the formatted text."""
        return str, (str(self),)


def _text_of(message: str | DeferredMessage) -> str:
    return message if type(message) is str else str(message)


def _warning_only_when_allowed(
    instance: RuleResult,
    _attribute: object,
    value: bool,  # noqa: FBT001  (attrs passes it positionally)
) -> None:
    if value is False:
        return
    if value is not True:
        raise ValidationError(f"must be true or false, got {value!r}", field="warning")
    if instance.outcome is not Outcome.ALLOWED:
        raise ValidationError(
            f"a warning goes with an allowed outcome, not {instance.outcome.value}: a crossed "
            "warn limit allows the order",
            field="warning",
        )


@frozen(kw_only=True)
class RuleResult:
    """One rule, evaluated against one order.

    Attributes:
        rule: The kind of rule (``"order_total"``, ``"budget"``, ``"credit"``, ...).
        outcome: ``allowed`` when the order is within it; otherwise what crossing it means.
        message: One sentence for the buyer, with the figures (see
            [`message`][b2b_customers.limits.RuleResult.message]; the engine passes a
            `DeferredMessage`).
        limit_id: The purchasing limit evaluated, when the rule is one.
        limit: The limit's amount, for money rules.
        spent: What was already used in the rule's period (budgets, credit).
        order_amount: What this order adds, in the limit's currency.
        remaining: What remains before this order (negative when already over).
        period_start: Start of the budget period counted, for budgets.
        period_end: End (exclusive) of the budget period counted, for budgets.
        warning: The order crosses a ``warn`` limit: it is allowed, and the
            shop should show the message (only with an ``allowed`` outcome).
    """

    # The engine builds these on every decision: fields are typed (the converter
    # checks JSON input) rather than validated one by one.
    rule: str
    outcome: Outcome = field(converter=_outcome)
    _message: str | DeferredMessage = field(alias="message", eq=_text_of)
    limit_id: LimitId | None = None
    limit: Money | None = None
    spent: Money | None = None
    order_amount: Money | None = None
    remaining: Money | None = None
    period_start: datetime | None = field(default=None, validator=optional(aware_datetime))
    period_end: datetime | None = field(default=None, validator=optional(aware_datetime))
    warning: bool = field(default=False, validator=_warning_only_when_allowed)

    @property
    def message(self) -> str:
        """One sentence for the buyer, with the figures (formatted once, when first read)."""
        message = self._message
        if type(message) is str:
            return message
        text = str(message)
        object.__setattr__(self, "_message", text)  # a cache: the text is the same value
        return text

    @property
    def crossed(self) -> bool:
        """Whether the order crosses this rule."""
        return self.outcome is not Outcome.ALLOWED


def _results_of(value: Iterable[RuleResult]) -> tuple[RuleResult, ...]:
    if type(value) is tuple:  # what the engine passes: nothing to convert
        return value
    items = items_of(value)
    return cast("tuple[RuleResult, ...]", value) if items is None else tuple(items)


def _roles_of(value: Iterable[str]) -> tuple[str, ...]:
    if value == ():  # no approval needed: the usual case
        return ()
    items = items_of(value)
    return cast("tuple[str, ...]", value) if items is None else tuple(sorted(set(items)))


@frozen(kw_only=True)
class Decision:
    """Whether an order may go through, and why.

    Attributes:
        outcome: The most severe outcome of all rules.
        results: Every rule evaluated, crossed or not, in evaluation order.
        order_total: The order's total, in the order's currency.
        approver_roles: Who may approve when approval is required (role names,
            ``"admin"`` for the company's admins, ``"seller"`` for the seller's staff).
        policy_version: The version of the rules used, for replay: the engine
            records the fingerprint of the limits that applied (see
            `rules_version`).
        evaluated_at: When the decision was made (the injected clock's time).
    """

    outcome: Outcome = field(converter=_outcome)
    results: tuple[RuleResult, ...] = field(converter=_results_of)
    order_total: Money
    evaluated_at: datetime = field(validator=aware_datetime)
    policy_version: str = field(default="1", validator=identifier)
    approver_roles: tuple[str, ...] = field(factory=tuple, converter=_roles_of)

    @property
    def allowed(self) -> bool:
        """Whether the order may be placed right away."""
        return self.outcome is Outcome.ALLOWED

    @property
    def crossed(self) -> tuple[RuleResult, ...]:
        """The rules the order crosses, most severe first."""
        return tuple(sorted((r for r in self.results if r.crossed), key=_by_severity))

    @property
    def warnings(self) -> tuple[RuleResult, ...]:
        """The ``warn`` limits the order crosses: it goes through, and the shop shows these.

        The ``credit`` rule warns too, when the order goes past the credit
        limit of a line that only warns, or of a buyer who holds a bypass.
        """
        return tuple(result for result in self.results if result.warning)

    @property
    def past_credit_limit(self) -> bool:
        """Whether the order goes through past the credit limit (a ``credit`` warning).

        Its reservation is then booked without the store's limit check, so
        the account's totals stay true and its available credit goes below zero.
        """
        return any(result.rule == CREDIT_RULE and result.warning for result in self.results)

    def without_credit_figures(self) -> Decision:
        """Return the decision as someone who may not view the credit line sees it.

        The ``credit`` rule keeps its outcome and the order's amount, and says
        only whether the order is within the credit available or exceeds it:
        its limit, the balance owed, the reservations and the available
        amount are left out (of the message and of the figures). Every other
        rule is kept as it is.
        """
        return attrs.evolve(
            self,
            results=tuple(
                _credit_without_figures(r) if r.rule == CREDIT_RULE else r for r in self.results
            ),
        )

    def explain(self) -> str:
        """Say in plain words what was decided and why, for the buyer.

        For example: "Approval required: Monthly budget of ACME GmbH: 12,600.00 EUR
        would exceed ...".
        """
        warnings = self.warnings
        allowed = (
            f"Allowed, with {len(warnings)} warning(s):"
            if warnings
            else f"Allowed: {format_money(self.order_total)} is within every limit."
        )
        headline = {
            Outcome.ALLOWED: allowed,
            Outcome.APPROVAL_REQUIRED: (
                f"Approval required ({', '.join(self.approver_roles) or 'an approver'}):"
            ),
            Outcome.DENIED: "Denied:",
        }[self.outcome]
        lines = [headline]
        lines.extend(f"- {result.message}" for result in self.crossed)
        lines.extend(f"- Warning: {result.message}" for result in warnings)
        return "\n".join(lines)


def _credit_without_figures(result: RuleResult) -> RuleResult:
    amount = "" if result.order_amount is None else f" of {format_money(result.order_amount)}"
    if result.warning:
        verdict = "exceeds the credit available; it may go through all the same"
    elif result.crossed:
        verdict = "exceeds the credit available"
    else:
        verdict = "is within the credit available"
    return RuleResult(
        rule=result.rule,
        outcome=result.outcome,
        message=f"Credit: this order{amount} {verdict}",
        order_amount=result.order_amount,
        warning=result.warning,
    )


def _by_severity(result: RuleResult) -> Any:  # noqa: ANN401
    return -result.outcome.severity
