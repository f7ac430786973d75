"""Auto-approval: the rules of a policy that let an order through without anyone's sign-off.

A policy may list `AutoApproval`
rules. When an order needs approval and one of them matches, the order is
placed at once, and the rule is recorded as the reason (in the order's
`order.auto_approved` event and audit entry). A rule matches when **every**
condition it states holds:

* ``up_to``: the order total (as invoiced, rounded to the currency's minor
  unit) is at most this, **inclusive** like every threshold of the library;
* ``customer_group_id``: the buyer belongs to this customer group (a
  "trusted buyers" group of the seller's).

A rule states at least one condition. Rules are tried in order; the first
that matches is the one recorded. A denied order is never auto-approved:
the rules only replace a sign-off, never lift a hard stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.money import format_money, round_to_minor_unit
from b2b_customers.domain.values import (
    identifier,
    money_amount,
    optional,
    strip,
    text,
    to_tuple,
)
from b2b_customers.errors import CurrencyMismatch, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MAX_AUTO_APPROVALS", "AutoApproval"]

MAX_AUTO_APPROVALS = 10
"""The most auto-approval rules one policy may list."""


@frozen(kw_only=True)
class AutoApproval:
    """A rule that places an order needing approval at once, when all its conditions hold.

    Attributes:
        name: The rule's name, recorded as the reason (``"Small orders"``).
        up_to: The rule applies to orders totalling at most this (inclusive).
        customer_group_id: The rule applies to buyers in this customer group.
    """

    name: str = field(converter=strip, validator=text(max_length=100))
    up_to: Money | None = field(default=None, validator=optional(money_amount(non_negative=True)))
    customer_group_id: str | None = field(default=None, validator=optional(identifier))

    def __attrs_post_init__(self) -> None:
        if self.up_to is None and self.customer_group_id is None:
            raise ValidationError(
                f"auto-approval rule {self.name!r} states no condition, so it would approve every "
                "order; give up_to (an amount) or customer_group_id (a trusted group), or both",
                field="up_to",
            )

    def matches(self, total: Money, group_ids: frozenset[str]) -> bool:
        """Tell whether the rule lets an order of ``total`` by a buyer in ``group_ids`` through.

        Raises:
            CurrencyMismatch: ``up_to`` is in another currency than ``total``.
        """
        if self.customer_group_id is not None and self.customer_group_id not in group_ids:
            return False
        if self.up_to is None:
            return True
        self.check_currency(total.currency.code)
        return bool(round_to_minor_unit(total).amount <= self.up_to.amount)

    def check_currency(self, currency: str) -> None:
        """Refuse an ``up_to`` in another currency than ``currency``.

        Raises:
            CurrencyMismatch: It is in another currency.
        """
        if self.up_to is not None and self.up_to.currency.code != currency:
            raise CurrencyMismatch(
                f"auto-approval rule {self.name!r}: up_to is {format_money(self.up_to)}, but the "
                f"orders are in {currency}; give it in {currency}"
            )

    def describe(self) -> str:
        """Say what the rule lets through, for the recorded reason."""
        parts = []
        if self.up_to is not None:
            parts.append(f"orders up to {format_money(self.up_to)}")
        if self.customer_group_id is not None:
            parts.append(f"buyers in customer group {self.customer_group_id!r}")
        return f"auto-approval rule {self.name!r} ({' by '.join(parts)})"


def auto_approvals_of(value: Iterable[AutoApproval]) -> tuple[AutoApproval, ...]:
    """Convert a policy's ``auto_approve`` argument to a tuple (any collection is taken)."""
    return to_tuple(value)


def check_auto_approvals(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Refuse anything but a list of at most `MAX_AUTO_APPROVALS` rules."""
    if (
        not isinstance(value, tuple)
        or len(value) > MAX_AUTO_APPROVALS
        or not all(isinstance(rule, AutoApproval) for rule in value)
    ):
        raise ValidationError(
            f"give up to {MAX_AUTO_APPROVALS} AutoApproval rules, got {value!r}",
            field=attribute.name,
        )
