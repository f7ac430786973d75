"""What the API accepts: request bodies as pydantic models, turned into the library's values.

The models check only the shape of the JSON (FastAPI answers 422 with
pydantic's details when it does not fit); the library's own constructors
and services check the content and raise ``ValidationError``, which the
API answers with 422 too (see ``shop_api.errors``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from b2b_customers import Money
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.limits import BudgetLimit, CalendarPeriod, LimitRule, OrderTotalLimit


class MoneyIn(BaseModel):
    """An amount of money: ``{"amount": "99.50", "currency": "EUR"}``."""

    amount: Decimal
    currency: str

    def to_money(self) -> Money:
        """Return it as the library's ``Money``."""
        return Money(self.amount, self.currency)


class CompanyIn(BaseModel):
    """A company to onboard at the top of a tree."""

    name: str
    currency: str = Field(description="ISO 4217, such as EUR")
    time_zone: str = Field(default="UTC", description="IANA zone, such as Europe/Berlin")


class SubsidiaryIn(BaseModel):
    """A company to add under a parent; currency and zone default to the parent's."""

    name: str
    currency: str | None = None
    time_zone: str | None = None


class CustomerIn(BaseModel):
    """A customer to invite into a company, with their roles there."""

    email: str
    first_name: str
    last_name: str
    roles: list[str] = Field(examples=[["buyer"]])
    active: bool = False


class LimitIn(BaseModel):
    """A purchasing limit on a whole company: per order, or a budget per calendar period."""

    maximum: MoneyIn
    per: Literal["order", "day", "week", "month", "quarter", "year"] = "order"
    on_exceed: Literal["approval", "deny", "warn"] = "approval"
    name: str | None = None

    def to_rule(self) -> LimitRule:
        """Return the library's rule: an order total limit, or a budget per period."""
        if self.per == "order":
            return OrderTotalLimit(maximum=self.maximum.to_money())
        return BudgetLimit(maximum=self.maximum.to_money(), period=CalendarPeriod(unit=self.per))


class CreditAccountIn(BaseModel):
    """A credit line to open for a company, in its currency."""

    credit_limit: MoneyIn
    payment_terms: str = "NET30"


class OrderLineIn(BaseModel):
    """One line of an order."""

    sku: str
    quantity: int
    unit_price: MoneyIn
    category: str | None = None


class OrderIn(BaseModel):
    """An order (or cart) a buyer checks or places, for one of their companies."""

    company_id: str
    lines: list[OrderLineIn]
    location_id: str | None = None
    po_number: str | None = None
    resource_id: str | None = Field(default=None, description="The cart's id, if it has one")

    def to_draft(self, buyer_id: str) -> OrderDraft:
        """Return the library's order draft, bought by ``buyer_id``."""
        return OrderDraft(
            company_id=self.company_id,
            buyer_id=buyer_id,
            lines=[
                OrderLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=line.unit_price.to_money(),
                    category=line.category,
                )
                for line in self.lines
            ],
            location_id=self.location_id,
            po_number=self.po_number,
            resource_id=self.resource_id,
        )


class PlaceOrderIn(OrderIn):
    """An order to place, with a comment for the approvers should it need approval."""

    comment: str | None = None


class ApproveIn(BaseModel):
    """An approver's decision to approve, with an optional comment."""

    comment: str | None = None


class RejectIn(BaseModel):
    """An approver's decision to reject, with the reason the requester sees."""

    reason: str
