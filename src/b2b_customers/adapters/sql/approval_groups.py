"""Approval groups in SQL: one per company; the members live in ``data``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from b2b_customers.adapters.sql.mapping import bookkeeping, converter, load, stamped
from b2b_customers.adapters.sql.queries import chunked
from b2b_customers.adapters.sql.tables import approval_groups, companies, customers
from b2b_customers.adapters.sql.versioned import update_versioned
from b2b_customers.approvals.groups import ApprovalGroup
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import ApprovalGroupId, CompanyId

__all__ = ["SqlApprovalGroupRepository"]

_table = approval_groups


def _row(group: ApprovalGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        **bookkeeping(group),
        "company_id": group.company_id,
        "data": converter().unstructure(group),
    }


class SqlApprovalGroupRepository:
    """Approval groups, in SQL.

    Implements [`ApprovalGroupRepository`][b2b_customers.ports.ApprovalGroupRepository]. The
    listed members are checked against the customers before every write
    (customers are never deleted, so the check stays true).

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a new group; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        _require_group(group)
        now = self._session.now()
        stored = stamped(group, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            self._check_members(connection, stored)
            connection.execute(_table.insert(), [_row(stored)])
        return stored

    def save(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a changed group; return the stored copy (version + 1).

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company that has a group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        _require_group(group)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, group, new=False)

        with self._session.write(explain) as connection:
            self._check_members(connection, group)
            return update_versioned(
                connection, _table, group, kind="ApprovalGroup", row=_row, now=now
            )

    def remove(self, group_id: ApprovalGroupId) -> None:
        """Delete a group.

        Raises:
            NotFound: No group has this id.
        """
        with self._session.write() as connection:
            result = connection.execute(delete(_table).where(_table.c.id == group_id))
            if result.rowcount != 1:
                raise NotFound("ApprovalGroup", group_id)

    def get(self, group_id: ApprovalGroupId) -> ApprovalGroup:
        """Return the group with ``group_id``.

        Raises:
            NotFound: No group has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_table.c.data).where(_table.c.id == group_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("ApprovalGroup", group_id)
        return load(ApprovalGroup, data, key=group_id)

    def for_company(self, company_id: CompanyId) -> ApprovalGroup:
        """Return the approval group of a company.

        Raises:
            NotFound: The company has no approval group.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_table.c.data).where(_table.c.company_id == company_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("ApprovalGroup", company_id, by="company")
        return load(ApprovalGroup, data)

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApprovalGroup]:
        """Return the groups of any of these companies, sorted by id."""
        found: list[ApprovalGroup] = []
        with self._session.read() as connection:
            for chunk in chunked(sorted(set(company_ids)), self._session.chunk_size):
                rows = connection.execute(
                    select(_table.c.data).where(_table.c.company_id.in_(chunk))
                ).scalars()
                found.extend(load(ApprovalGroup, data) for data in rows)
        return sorted(found, key=lambda group: group.id)

    def _check_members(self, connection: Connection, group: ApprovalGroup) -> None:
        """Refuse members who are not stored customers (the company first, as the memory store)."""
        if not group.member_ids:
            return
        company = _missing_company(connection, group)
        if company is not None:
            raise company
        stored: set[str] = set()
        for chunk in chunked(sorted(group.member_ids), self._session.chunk_size):
            stored.update(
                connection.execute(select(customers.c.id).where(customers.c.id.in_(chunk)))
                .scalars()
                .all()
            )
        missing = sorted(set(group.member_ids) - stored)
        if missing:
            raise ValidationError(
                f"approval group {group.id!r} lists customers that do not exist "
                f"({', '.join(map(repr, missing))}); store them first",
                field="member_ids",
            )


def _require_group(group: object) -> None:
    if not isinstance(group, ApprovalGroup):
        raise ValidationError(f"expected an ApprovalGroup, got {type(group).__name__} {group!r}")


def _missing_company(connection: Connection, group: ApprovalGroup) -> ValidationError | None:
    company = connection.execute(
        select(companies.c.id).where(companies.c.id == group.company_id)
    ).first()
    if company is not None:
        return None
    return ValidationError(
        f"company {group.company_id!r} of approval group {group.id!r} does not exist; "
        "store the company first",
        field="company_id",
    )


def _explain(connection: Connection, group: ApprovalGroup, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: the company, the id, then one group per company."""
    company = _missing_company(connection, group)
    if company is not None:
        return company
    if new and connection.execute(select(_table.c.id).where(_table.c.id == group.id)).first():
        return AlreadyExists(
            f"an ApprovalGroup with id {group.id!r} exists already; choose another id, "
            "or load and save the stored one"
        )
    holder = connection.execute(
        select(_table.c.id).where(_table.c.company_id == group.company_id, _table.c.id != group.id)
    ).scalar_one_or_none()
    if holder is not None:
        return AlreadyExists(
            f"company {group.company_id!r} has its approval group already ({holder!r}); "
            "change that one"
        )
    return None
