"""Every approval entity round-trips through the converter and JSON, losslessly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.approvals import (
    ApprovalGroup,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    ApproverLimit,
    ApproverSelector,
    AuditEntry,
    ManagerApprover,
    SellerApprover,
    TierProgress,
    Validity,
    Verdict,
)
from b2b_customers.errors import ValidationError
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as b2b

converter = make_converter()

ENTITIES: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (ApprovalRequest, b2b.approval_requests()),
    (ApprovalPolicy, b2b.approval_policies()),
    (ApprovalTier, b2b.approval_tiers()),
    (ApprovalRule, b2b.approval_rules()),
    (ApproverSelector, b2b.approver_selectors()),
    (Validity, b2b.validities()),
    (ApprovalGroup, b2b.approval_groups()),
    (ApproverLimit, b2b.approver_limits()),
    (SellerApprover, b2b.seller_approvers()),
    (TierProgress, b2b.tier_progress()),
    (Verdict, b2b.verdicts()),
    (AuditEntry, b2b.audit_entries()),
]


@pytest.mark.parametrize(
    ("kind", "strategy"), ENTITIES, ids=lambda value: getattr(value, "__name__", "")
)
def test_every_approval_entity_round_trips_through_json(
    kind: Any, strategy: st.SearchStrategy[Any]
) -> None:
    @given(strategy)
    def round_trip(entity: Any) -> None:
        data = json.loads(json.dumps(converter.unstructure(entity, kind)))
        assert converter.structure(data, kind) == entity

    round_trip()


@given(
    st.sampled_from(ApprovalStatus).flatmap(
        lambda s: st.tuples(st.just(s), b2b.approval_requests(status=s))
    )
)
def test_the_request_strategy_builds_requests_in_the_status_asked_for(
    pinned: tuple[ApprovalStatus, ApprovalRequest],
) -> None:
    status, request = pinned
    assert request.status is status
    assert request.audit[-1].after is status


def test_an_unknown_selector_kind_is_named_in_the_error() -> None:
    data = converter.unstructure(ApprovalRule(any_of=[ManagerApprover()]))
    data["any_of"][0]["kind"] = "whoever_shouts_loudest"
    with pytest.raises(ValidationError, match="unknown kind 'whoever_shouts_loudest'") as raised:
        converter.structure(data, ApprovalRule)
    assert raised.value.field == "any_of[0]"


class TestTiersStoredWithTheFormerStrictThreshold:
    """Policies stored before thresholds became inclusive keep selecting the same orders."""

    @staticmethod
    def legacy(above: Any) -> dict[str, Any]:
        tier = ApprovalTier(name="Big", all_of=[ApprovalRule(any_of=[ManagerApprover()])])
        data: dict[str, Any] = converter.unstructure(tier)
        del data["at_least"]
        data["above"] = above
        return data

    def test_above_is_read_as_at_least_one_minor_unit_more(self) -> None:
        tier = converter.structure(self.legacy({"amount": "1000", "currency": "EUR"}), ApprovalTier)
        assert tier.at_least == Money("1000.01", "EUR")
        assert not tier.applies_to(Money("1000", "EUR"))
        assert tier.applies_to(Money("1000.01", "EUR"))

    def test_the_minor_unit_is_the_currencys(self) -> None:
        tier = converter.structure(self.legacy({"amount": "500", "currency": "JPY"}), ApprovalTier)
        assert tier.at_least == Money("501", "JPY")

    def test_a_tier_without_threshold_stays_without(self) -> None:
        assert converter.structure(self.legacy(None), ApprovalTier).at_least is None

    @given(b2b.approval_tiers("EUR"), st.decimals(min_value=0, max_value=10**6, places=2))
    def test_same_orders_as_the_strict_reading(self, tier: ApprovalTier, amount: Any) -> None:
        # Thresholds in whole cents (as shops set them), and a range the old form accepted.
        for threshold in (tier.at_least, tier.up_to):
            assume(threshold is None or threshold.amount == round(threshold.amount, 2))
        assume(
            tier.at_least is None or tier.up_to is None or tier.up_to.amount > tier.at_least.amount
        )
        data = converter.unstructure(tier)
        data["above"] = data.pop("at_least")
        migrated = converter.structure(data, ApprovalTier)
        total = Money(amount, "EUR")
        over = tier.at_least is None or total.amount > tier.at_least.amount
        within = tier.up_to is None or total.amount <= tier.up_to.amount
        assert migrated.applies_to(total) == (over and within)
