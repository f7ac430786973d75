"""Every approval entity round-trips through the converter and JSON, losslessly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
