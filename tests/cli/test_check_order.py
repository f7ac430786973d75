"""``b2b-customers check-order``: the decision in words (or JSON), the outcome in the status."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.cli.check_order import describe
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits import (
    Decision,
    LimitScope,
    OrderTotalLimit,
    PurchasingLimit,
    RuleResult,
)
from b2b_customers.serialization import make_converter

from .conftest import Result, import_examples, snapshot

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@pytest.fixture
def acme(cli, shop: str) -> str:
    """The example companies and customers, with a per-order limit at ACME North."""
    import_examples(cli, shop)
    with SqlStore(shop) as store, store.unit_of_work() as uow:
        for limit_id, maximum, on_exceed in (
            ("approval", "5000", "approval"),
            ("deny", "20000", "deny"),
        ):
            uow.limits.add(
                PurchasingLimit(
                    id=LimitId(limit_id),
                    name=f"North's per-order limit of {maximum} EUR",
                    scope=LimitScope(kind="company", company_id=CompanyId("acme-north")),
                    rule=OrderTotalLimit(maximum=Money(maximum, "EUR")),
                    on_exceed=on_exceed,
                )
            )
        uow.commit()
    return shop


def check(cli: Callable[..., Result], url: str, *lines: str, extra: Sequence[str] = ()) -> Result:
    argv = ["check-order", "--url", url, "--company", "acme-north", "--buyer", "bob"]
    for line in lines:
        argv += ["--line", line]
    return cli(*argv, *extra)


def test_an_allowed_order_exits_0_and_lists_every_rule(cli, acme):
    result = check(cli, acme, "DRILL-9:2:600", "BITS:10:1.50")
    assert result.code == 0, result.err
    assert result.out.startswith("Allowed: 1,215.00 EUR is within every limit.")
    assert "[ok] " in result.out
    assert "limit 5,000.00 EUR" in result.out
    assert "remaining" in result.out


def test_approval_required_exits_3_with_the_reason_and_figures(cli, acme):
    before = snapshot(acme)
    result = check(cli, acme, "DRILL-9:3:4200")
    assert result.code == 3
    assert result.out.startswith("Approval required")
    assert "[approval required]" in result.out
    assert "this order 12,600.00 EUR" in result.out
    assert snapshot(acme) == before  # a check writes nothing


def test_denied_exits_4(cli, acme):
    assert check(cli, acme, "GEN-40:3:7000").code == 4


def test_json_output_structures_back_to_a_decision(cli, acme):
    result = check(cli, acme, "DRILL-9:3:4200", extra=["--json"])
    assert result.code == 3
    decision = make_converter().structure(json.loads(result.out), Decision)
    assert decision.outcome.value == "approval_required"
    assert decision.order_total == Money("12600", "EUR")


def test_an_explicit_currency_other_than_the_limits_is_reported(cli, acme):
    result = check(cli, acme, "DRILL-9:1:10", extra=["--currency", "USD"])
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("DRILL-9:3", "write an order line as SKU:QTY:PRICE"),
        ("DRILL-9:three:4200", "must be a whole number, got 'three'"),
        ("DRILL-9:3:cheap", "decimal number"),
        ("DRILL-9:0:10", "quantity"),
    ],
)
def test_a_bad_line_is_a_user_error(cli, acme, line, message):
    result = check(cli, acme, line)
    assert result.code == 2
    assert "--line:" in result.err
    assert message in result.err


def test_an_unknown_company_or_buyer_is_a_user_error(cli, acme):
    result = cli(
        "check-order", "--url", acme, "--company", "nowhere", "--buyer", "bob", "--line", "A:1:1"
    )
    assert result.code == 2
    assert "No Company with id 'nowhere'" in result.err
    result = cli(
        "check-order", "--url", acme, "--company", "acme", "--buyer", "ghost", "--line", "A:1:1"
    )
    assert result.code == 2
    assert "No Customer with id 'ghost'" in result.err


def test_a_crossed_warn_limit_is_marked_as_a_warning() -> None:
    decision = Decision(
        outcome="allowed",
        results=[
            RuleResult(rule="budget", outcome="allowed", message="Soft: over", warning=True),
            RuleResult(rule="quantity", outcome="allowed", message="Items: fine"),
        ],
        order_total=Money("10", "EUR"),
        evaluated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    lines = describe(decision).splitlines()
    assert lines[0] == "Allowed, with 1 warning(s):"
    assert "  [warning] Soft: over" in lines
    assert "  [ok] Items: fine" in lines
