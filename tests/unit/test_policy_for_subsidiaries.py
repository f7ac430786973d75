"""Which policy a company follows: its own, a covering ancestor's, else the seller's."""

from __future__ import annotations

import pytest

from b2b_customers.approvals import (
    DEFAULT_POLICY,
    ApprovalDirectory,
    ApprovalPolicy,
    ApprovalRule,
    ApprovalTier,
    StandardApprovers,
)
from b2b_customers.errors import ValidationError
from b2b_customers.ids import ApprovalPolicyId, CompanyId

# group -> region -> branch -> shop
PARENTS = {
    CompanyId("group"): None,
    CompanyId("region"): CompanyId("group"),
    CompanyId("branch"): CompanyId("region"),
    CompanyId("shop"): CompanyId("branch"),
}


def policy(
    policy_id: str, company: str | None, *, covers: bool = True, excluded: tuple[str, ...] = ()
) -> ApprovalPolicy:
    return ApprovalPolicy(
        id=ApprovalPolicyId(policy_id),
        name=policy_id,
        company_id=None if company is None else CompanyId(company),
        tiers=[ApprovalTier(name="Admin", all_of=[ApprovalRule(any_of=[StandardApprovers()])])],
        covers_subsidiaries=covers and company is not None,
        excluded_subsidiaries=frozenset(excluded),
    )


def followed(company: str, *policies: ApprovalPolicy) -> str:
    directory = ApprovalDirectory(parents=PARENTS, policies=policies)
    return directory.policy_for(CompanyId(company)).id


def test_the_nearest_covering_ancestors_policy_applies() -> None:
    group, region = policy("g", "group"), policy("r", "region")
    assert followed("shop", group, region) == "r"
    assert followed("region", group, region) == "r"
    assert followed("group", group) == "g"
    assert followed("shop", group) == "g"


def test_a_policy_that_does_not_cover_subsidiaries_stays_its_companys() -> None:
    assert followed("shop", policy("r", "region", covers=False)) == DEFAULT_POLICY.id
    assert followed("shop", policy("g", "group"), policy("r", "region", covers=False)) == "g"


def test_an_opted_out_subsidiary_and_its_subtree_follow_the_next_policy_up() -> None:
    group = policy("g", "group")
    region = policy("r", "region", excluded=("branch",))
    seller = policy("s", None)
    assert followed("branch", group, region, seller) == "g"
    assert followed("shop", group, region, seller) == "g"
    assert followed("shop", region, seller) == "s"
    assert followed("shop", region) == DEFAULT_POLICY.id


def test_a_companys_own_policy_always_wins() -> None:
    assert followed("branch", policy("r", "region"), policy("b", "branch", covers=False)) == "b"


@pytest.mark.parametrize(
    ("company", "covers", "excluded", "message"),
    [
        ("region", False, ("branch",), "covers_subsidiaries=True"),
        (None, True, ("branch",), "covers_subsidiaries=True"),
        ("region", True, ("region",), "cannot opt out of its own policy"),
    ],
)
def test_exclusions_need_a_covering_company_policy(company, covers, excluded, message) -> None:
    with pytest.raises(ValidationError, match=message):
        ApprovalPolicy(
            id=ApprovalPolicyId("p"),
            name="p",
            company_id=company,
            tiers=[ApprovalTier(name="A", all_of=[ApprovalRule(any_of=[StandardApprovers()])])],
            covers_subsidiaries=covers,
            excluded_subsidiaries=frozenset(excluded),
        )
