"""Orders as the limit engine sees them: what a buyer wants to place, and what was placed.

The library does not price or fulfil orders; a shop does. It needs only the
figures its rules look at: who orders for which company (and location), the
lines with SKUs, categories, quantities and prices, and the purchase order
number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.money import ensure_same_currency
from b2b_customers.domain.values import (
    DomainEnum,
    aware_datetime,
    identifier,
    items_of,
    money_amount,
    optional,
    strip,
    strip_optional,
    text,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LocationId, OrderId

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["OrderDraft", "OrderLine", "OrderRecord", "OrderStatus", "ResourceType"]

_MAX_LINES = 1000
_MAX_QUANTITY = 10**9
_MAX_CODE = 64


class ResourceType(DomainEnum):
    """What a decision or an approval is about."""

    CART = "cart"
    ORDER = "order"
    QUOTE = "quote"


def _quantity(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_QUANTITY:
        raise ValidationError(
            f"must be a whole number from 1 to {_MAX_QUANTITY}, got {value!r}", field=attribute.name
        )


@frozen(kw_only=True)
class OrderLine:
    """One line of an order.

    Attributes:
        sku: The product's stock-keeping unit.
        quantity: How many, a whole number of at least 1.
        unit_price: The price of one, net of tax.
        category: The product's category, for rules on categories.
    """

    sku: str = field(converter=strip, validator=text(max_length=_MAX_CODE))
    quantity: int = field(validator=_quantity)
    unit_price: Money = field(validator=money_amount(non_negative=True))
    category: str | None = field(
        default=None, converter=strip_optional, validator=optional(text(max_length=_MAX_CODE))
    )

    @property
    def amount(self) -> Money:
        """``quantity`` times ``unit_price``."""
        return Money(self.unit_price.amount * self.quantity, self.unit_price.currency)


def _lines_of(value: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    items = items_of(value)
    return cast("tuple[OrderLine, ...]", value) if items is None else tuple(items)


def _lines(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(line, OrderLine) for line in value)
    ):
        raise ValidationError(
            f"an order needs 1 to {_MAX_LINES} OrderLine items, got {value!r}", field=attribute.name
        )
    if len(value) > _MAX_LINES:
        raise ValidationError(f"an order has at most {_MAX_LINES} lines", field=attribute.name)
    ensure_same_currency(*(line.unit_price for line in value), context="the lines of one order")


@frozen(kw_only=True)
class OrderDraft:
    """An order a buyer wants to place (or a cart or quote to check).

    Attributes:
        company_id: The company ordering.
        buyer_id: The customer placing it.
        lines: What is ordered; all prices in one currency.
        location_id: The location (branch, ship-to) it is for, if any.
        po_number: The buyer's purchase order number.
        resource_type: Cart, order or quote.
        resource_id: The shop's id of the cart, order or quote.
    """

    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    buyer_id: CustomerId = field(converter=CustomerId, validator=identifier)
    lines: tuple[OrderLine, ...] = field(converter=_lines_of, validator=_lines)
    location_id: LocationId | None = field(
        default=None,
        converter=attrs.converters.optional(LocationId),
        validator=optional(identifier),
    )
    po_number: str | None = field(
        default=None, converter=strip_optional, validator=optional(text(max_length=_MAX_CODE))
    )
    resource_type: ResourceType = field(default=ResourceType.ORDER, converter=ResourceType)
    resource_id: str | None = field(default=None, validator=optional(identifier))

    @property
    def currency(self) -> str:
        """The currency of every line."""
        return str(self.lines[0].unit_price.currency.code)

    @property
    def total(self) -> Money:
        """The sum of the lines."""
        # One currency is checked when the draft is built, so the amounts add up directly.
        amount = sum((line.unit_price.amount * line.quantity for line in self.lines), Decimal(0))
        return Money(amount, self.currency)

    @property
    def total_quantity(self) -> int:
        """How many items, over all lines."""
        return sum(line.quantity for line in self.lines)

    @property
    def skus(self) -> frozenset[str]:
        """The distinct SKUs ordered."""
        return frozenset(line.sku for line in self.lines)

    @property
    def categories(self) -> frozenset[str]:
        """The distinct categories ordered (lines without one are left out)."""
        return frozenset(line.category for line in self.lines if line.category is not None)


class OrderStatus(DomainEnum):
    """Where a recorded order stands; placed and pending orders count against budgets."""

    PENDING_APPROVAL = "pending_approval"
    PLACED = "placed"
    CANCELLED = "cancelled"


@frozen(kw_only=True)
class OrderRecord(Versioned):
    """An order in the history: placed, waiting for approval, or cancelled.

    Attributes:
        id: The order's id.
        company_id: The company that ordered.
        buyer_id: The customer who ordered.
        location_id: The location it was for, if any.
        total: The order total (in the order's currency).
        placed_at: When it was placed or submitted for approval.
        status: Placed, pending approval or cancelled.
        lines: The lines, for reorders and item rules.
        po_number: The purchase order number, if any.
    """

    id: OrderId = field(converter=OrderId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    buyer_id: CustomerId = field(converter=CustomerId, validator=identifier)
    total: Money = field(validator=money_amount(non_negative=True))
    placed_at: datetime = field(validator=aware_datetime)
    status: OrderStatus = field(default=OrderStatus.PLACED, converter=OrderStatus)
    location_id: LocationId | None = field(
        default=None,
        converter=attrs.converters.optional(LocationId),
        validator=optional(identifier),
    )
    lines: tuple[OrderLine, ...] = field(factory=tuple, converter=_lines_of)
    po_number: str | None = field(
        default=None, converter=strip_optional, validator=optional(text(max_length=_MAX_CODE))
    )

    @property
    def counts_against_budgets(self) -> bool:
        """Whether the order uses up budget: placed or pending approval, not cancelled."""
        return self.status is not OrderStatus.CANCELLED

    @property
    def is_pending(self) -> bool:
        """Whether the order waits for approval (budgets may count it or not)."""
        return self.status is OrderStatus.PENDING_APPROVAL

    @classmethod
    def from_draft(
        cls, order_id: OrderId, draft: OrderDraft, placed_at: datetime, status: OrderStatus
    ) -> OrderRecord:
        """Record ``draft`` as placed (or pending approval) at ``placed_at``."""
        return cls(
            id=order_id,
            company_id=draft.company_id,
            buyer_id=draft.buyer_id,
            location_id=draft.location_id,
            total=draft.total,
            placed_at=placed_at,
            status=status,
            lines=draft.lines,
            po_number=draft.po_number,
        )
