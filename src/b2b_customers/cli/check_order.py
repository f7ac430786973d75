r"""``b2b-customers check-order``: ask the engine for a decision on an order; nothing is written.

::

    b2b-customers check-order --url sqlite:///shop.db --company acme-north \\
        --buyer bob --line DRILL-9:3:4200 --line BITS-10:5:12.50

Prints the outcome and every rule evaluated, with its figures (or, with
``--json``, the decision in the converter's form). The exit status says the
outcome: 0 allowed, 3 approval required, 4 denied.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from b2b_customers.app import App
from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.database import store_at
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.domain.money import format_money, money
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LocationId
from b2b_customers.limits import Decision, Outcome
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    import argparse

    from b2b_customers.limits.decision import RuleResult

__all__ = ["EXIT_CODES", "add_arguments", "describe", "order_line", "run"]

EXIT_CODES = {
    Outcome.ALLOWED: ExitCode.OK,
    Outcome.APPROVAL_REQUIRED: ExitCode.APPROVAL_REQUIRED,
    Outcome.DENIED: ExitCode.DENIED,
}
"""The exit status of each outcome."""

_LINE_PARTS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the check's options to its sub-command parser."""
    parser.add_argument("--company", required=True, metavar="ID", help="the company ordering")
    parser.add_argument("--buyer", required=True, metavar="ID", help="the customer ordering")
    parser.add_argument(
        "--line",
        required=True,
        action="append",
        metavar="SKU:QTY:PRICE",
        help="an order line, such as DRILL-9:3:4200 (repeat for more lines)",
    )
    parser.add_argument(
        "--currency", help="the currency of the prices (default: the company's currency)"
    )
    parser.add_argument("--po-number", help="the buyer's purchase order number")
    parser.add_argument("--location", metavar="ID", help="the location the order is for")
    parser.add_argument(
        "--json", action="store_true", help="print the decision as JSON (the converter's form)"
    )


def order_line(text: str, currency: str) -> OrderLine:
    """Read an order line written ``SKU:QTY:PRICE`` (the SKU may contain colons).

    Raises:
        ValidationError: The text is not of that form, or the domain refuses the line.
    """
    parts = text.rsplit(":", _LINE_PARTS - 1)
    if len(parts) != _LINE_PARTS:
        raise ValidationError(
            f"write an order line as SKU:QTY:PRICE, such as DRILL-9:3:4200.00, got {text!r}",
            field="--line",
        )
    sku, quantity, price = (part.strip() for part in parts)
    try:
        count = int(quantity)
    except ValueError:
        raise ValidationError(
            f"the quantity in {text!r} must be a whole number, got {quantity!r}", field="--line"
        ) from None
    try:
        return OrderLine(sku=sku, quantity=count, unit_price=money(price, currency))
    except ValidationError as error:
        raise ValidationError(f"in {text!r}: {error}", field="--line") from None


def run(arguments: argparse.Namespace) -> int:
    """Print the decision on the order; return the exit status of its outcome.

    Raises:
        ValidationError: An order line, the currency or an id is not valid.
        NotFound: The company or the buyer does not exist.
        CurrencyMismatch: A limit or the credit line is in another currency.
        SchemaNotReady: The database is not migrated.
        StorageError: The database cannot be reached or failed.
    """
    company_id = CompanyId(arguments.company)
    with store_at(arguments.url, schema=arguments.schema) as store:
        currency = arguments.currency
        if currency is None:
            with store.unit_of_work() as uow:
                currency = uow.companies.get(company_id).currency
        order = OrderDraft(
            company_id=company_id,
            buyer_id=CustomerId(arguments.buyer),
            lines=[order_line(text, currency) for text in arguments.line],
            location_id=LocationId(arguments.location) if arguments.location else None,
            po_number=arguments.po_number,
        )
        decision = App(store).orders.check(actor=COMMAND_LINE, order=order)
    if arguments.json:
        print(json.dumps(make_converter().unstructure(decision), indent=2, sort_keys=True))
    else:
        print(describe(decision))
    return EXIT_CODES[decision.outcome]


def describe(decision: Decision) -> str:
    """Say the decision in plain words: the outcome, then every rule with its figures."""
    lines = [decision.explain().splitlines()[0]]
    if decision.results:
        lines.append("Rules checked:")
    for result in decision.results:
        mark = (
            result.outcome.value.replace("_", " ")
            if result.crossed
            else ("warning" if result.warning else "ok")
        )
        lines.append(f"  [{mark}] {result.message}")
        figures = _figures(result)
        if figures:
            lines.append(f"      {figures}")
    lines.append(
        f"Order total {format_money(decision.order_total)}; decided at "
        f"{decision.evaluated_at.isoformat()} with rules version {decision.policy_version}."
    )
    return "\n".join(lines)


def _figures(result: RuleResult) -> str:
    named = [
        ("limit", result.limit),
        ("spent", result.spent),
        ("this order", result.order_amount),
        ("remaining", result.remaining),
    ]
    figures = [f"{name} {format_money(amount)}" for name, amount in named if amount is not None]
    if result.period_start is not None and result.period_end is not None:
        figures.append(
            f"period {result.period_start.isoformat()} to {result.period_end.isoformat()}"
        )
    return "; ".join(figures)
