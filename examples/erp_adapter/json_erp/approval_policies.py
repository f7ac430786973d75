"""Approval policies, in the export's ``approval_policies.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.approvals import ApprovalPolicy
from b2b_customers.errors import NotFound, ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from b2b_customers.ids import ApprovalPolicyId, CompanyId


__all__ = ["JsonApprovalPolicyRepository"]


def _holder(policy: ApprovalPolicy) -> str:
    if policy.company_id is None:
        return "the seller has a seller-wide approval policy already"
    return f"company {policy.company_id!r} has an approval policy already"


class JsonApprovalPolicyRepository(Repository[ApprovalPolicy]):
    """Approval policies: one per company, one seller-wide (``company_id=None``).

    Implements `ApprovalPolicyRepository`.
    """

    entity = "ApprovalPolicy"
    unique = (
        Unique[ApprovalPolicy](
            # The seller-wide policy is keyed None: there is one of it, too.
            lambda policy: [policy.company_id],
            lambda policy, holder: f"{_holder(policy)} ({holder!r}); change that one",
        ),
    )

    def add(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a new policy; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company (or the seller) has a policy.
            ValidationError: The company does not exist.
        """
        return self._insert(policy)

    def save(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a changed policy; return the stored copy (version + 1).

        Raises:
            NotFound: No policy has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company (or to seller-wide) that has one.
            ValidationError: The company does not exist.
        """
        return self._update(policy)

    def remove(self, policy_id: ApprovalPolicyId) -> None:
        """Delete a policy.

        Raises:
            NotFound: No policy has this id.
        """
        self._delete(policy_id)

    def get(self, policy_id: ApprovalPolicyId) -> ApprovalPolicy:
        """Return the policy with ``policy_id``.

        Raises:
            NotFound: No policy has this id.
        """
        return self._find(policy_id)

    def for_company(self, company_id: CompanyId | None) -> ApprovalPolicy:
        """Return a company's own policy, or the seller-wide one for ``None``.

        Raises:
            NotFound: The company (or the seller) has no policy.
        """
        for policy in self._table:
            if policy.company_id == company_id:
                return policy
        raise NotFound("ApprovalPolicy", company_id, by="company")

    def all(self) -> list[ApprovalPolicy]:
        """Return every policy, sorted by id."""
        return sorted(self._table, key=lambda row: row.id)

    def _check_references(self, row: ApprovalPolicy) -> None:
        if row.company_id is not None and not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approval policy {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
