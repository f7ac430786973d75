"""Approval policies in SQL: one per company, and one seller-wide (``company_id`` NULL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from b2b_customers.adapters.sql.mapping import bookkeeping, converter, load, stamped
from b2b_customers.adapters.sql.tables import approval_policies, companies
from b2b_customers.adapters.sql.versioned import update_versioned
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import ApprovalPolicyId, CompanyId

__all__ = ["SqlApprovalPolicyRepository"]

_table = approval_policies


def _row(policy: ApprovalPolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        **bookkeeping(policy),
        "company_id": policy.company_id,
        "seller_wide": policy.company_id is None,
        "data": converter().unstructure(policy),
    }


class SqlApprovalPolicyRepository:
    """Approval policies, in SQL.

    Implements [`ApprovalPolicyRepository`][b2b_customers.ports.ApprovalPolicyRepository]. A
    unique constraint keeps one policy per company; a partial unique index on
    ``seller_wide`` keeps one seller-wide policy.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a new policy; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company (or the seller) has a policy.
            ValidationError: The company does not exist.
        """
        _require_policy(policy)
        now = self._session.now()
        stored = stamped(policy, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            connection.execute(_table.insert(), [_row(stored)])
        return stored

    def save(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a changed policy; return the stored copy (version + 1).

        Raises:
            NotFound: No policy has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company (or to seller-wide) that has one.
            ValidationError: The company does not exist.
        """
        _require_policy(policy)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, policy, new=False)

        with self._session.write(explain) as connection:
            return update_versioned(
                connection, _table, policy, kind="ApprovalPolicy", row=_row, now=now
            )

    def remove(self, policy_id: ApprovalPolicyId) -> None:
        """Delete a policy.

        Raises:
            NotFound: No policy has this id.
        """
        with self._session.write() as connection:
            result = connection.execute(delete(_table).where(_table.c.id == policy_id))
            if result.rowcount != 1:
                raise NotFound("ApprovalPolicy", policy_id)

    def get(self, policy_id: ApprovalPolicyId) -> ApprovalPolicy:
        """Return the policy with ``policy_id``.

        Raises:
            NotFound: No policy has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_table.c.data).where(_table.c.id == policy_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("ApprovalPolicy", policy_id)
        return load(ApprovalPolicy, data, key=policy_id)

    def for_company(self, company_id: CompanyId | None) -> ApprovalPolicy:
        """Return a company's own policy, or the seller-wide one for ``None``.

        Raises:
            NotFound: The company (or the seller) has no policy.
        """
        condition = (
            _table.c.seller_wide.is_(True)
            if company_id is None
            else _table.c.company_id == company_id
        )
        with self._session.read() as connection:
            data = connection.execute(select(_table.c.data).where(condition)).scalar_one_or_none()
        if data is None:
            raise NotFound("ApprovalPolicy", company_id, by="company")
        return load(ApprovalPolicy, data)

    def all(self) -> list[ApprovalPolicy]:
        """Return every policy, sorted by id."""
        with self._session.read() as connection:
            rows = connection.execute(select(_table.c.data).order_by(_table.c.id)).scalars()
            return [load(ApprovalPolicy, data) for data in rows]


def _require_policy(policy: object) -> None:
    if not isinstance(policy, ApprovalPolicy):
        raise ValidationError(f"expected an ApprovalPolicy, got {type(policy).__name__} {policy!r}")


def _explain(connection: Connection, policy: ApprovalPolicy, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: the company, the id, then one policy per company."""
    if (
        policy.company_id is not None
        and connection.execute(
            select(companies.c.id).where(companies.c.id == policy.company_id)
        ).first()
        is None
    ):
        return ValidationError(
            f"company {policy.company_id!r} of approval policy {policy.id!r} does not exist; "
            "store the company first",
            field="company_id",
        )
    if new and connection.execute(select(_table.c.id).where(_table.c.id == policy.id)).first():
        return AlreadyExists(
            f"an ApprovalPolicy with id {policy.id!r} exists already; choose another id, "
            "or load and save the stored one"
        )
    same_scope = (
        _table.c.seller_wide.is_(True)
        if policy.company_id is None
        else _table.c.company_id == policy.company_id
    )
    holder = connection.execute(
        select(_table.c.id).where(same_scope, _table.c.id != policy.id)
    ).scalar_one_or_none()
    if holder is not None:
        owner = (
            "the seller has a seller-wide approval policy already"
            if policy.company_id is None
            else f"company {policy.company_id!r} has an approval policy already"
        )
        return AlreadyExists(f"{owner} ({holder!r}); change that one")
    return None
