"""Approval policies, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from b2b_customers.ids import ApprovalPolicyId, CompanyId

__all__ = ["MemoryApprovalPolicyRepository"]


def _holder(policy: ApprovalPolicy) -> str:
    if policy.company_id is None:
        return "the seller has a seller-wide approval policy already"
    return f"company {policy.company_id!r} has an approval policy already"


_APPROVAL_POLICIES: _Schema[ApprovalPolicy] = _Schema(
    entity="ApprovalPolicy",
    ident=lambda policy: policy.id,
    # The seller-wide policy is kept under the key None: one of it, too.
    indexes={"company": lambda policy: [policy.company_id]},
    unique=[
        _Unique(
            "company",
            lambda policy, holder: f"{_holder(policy)} ({holder!r}); change that one",
        )
    ],
)


class MemoryApprovalPolicyRepository(_Repository[ApprovalPolicy]):
    """Approval policies, in memory: one per company, one seller-wide.

    Implements [`ApprovalPolicyRepository`][b2b_customers.ports.ApprovalPolicyRepository].
    """

    def add(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a new policy; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company (or the seller) has a policy.
            ValidationError: The company does not exist.
        """
        _require_policy(policy)
        return self._insert(policy)

    def save(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a changed policy; return the stored copy (version + 1).

        Raises:
            NotFound: No policy has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company (or to seller-wide) that has one.
            ValidationError: The company does not exist.
        """
        _require_policy(policy)
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
        with self._lock:
            return self._find(policy_id)

    def for_company(self, company_id: CompanyId | None) -> ApprovalPolicy:
        """Return a company's own policy, or the seller-wide one for ``None``.

        Raises:
            NotFound: The company (or the seller) has no policy.
        """
        with self._lock:
            found = self._buffer.rows("company", company_id)
        if not found:
            raise NotFound("ApprovalPolicy", company_id, by="company")
        return found[0]

    def all(self) -> list[ApprovalPolicy]:
        """Return every policy, sorted by id."""
        with self._lock:
            found = list(self._buffer.all())
        return sorted(found, key=lambda row: row.id)

    def _check_references(self, row: ApprovalPolicy) -> None:
        if row.company_id is not None and not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approval policy {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )


def _require_policy(policy: object) -> None:
    if not isinstance(policy, ApprovalPolicy):
        raise ValidationError(f"expected an ApprovalPolicy, got {type(policy).__name__} {policy!r}")
