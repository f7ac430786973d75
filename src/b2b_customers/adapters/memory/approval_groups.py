"""Approval groups, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.approvals.groups import ApprovalGroup
from b2b_customers.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import ApprovalGroupId, CompanyId

__all__ = ["MemoryApprovalGroupRepository"]


_APPROVAL_GROUPS: _Schema[ApprovalGroup] = _Schema(
    entity="ApprovalGroup",
    ident=lambda group: group.id,
    indexes={"company": lambda group: [group.company_id]},
    unique=[
        _Unique(
            "company",
            lambda group, holder: (
                f"company {group.company_id!r} has its approval group already ({holder!r}); "
                "change that one"
            ),
        )
    ],
)


class MemoryApprovalGroupRepository(_Repository[ApprovalGroup]):
    """Approval groups, in memory: one per company.

    Implements [`ApprovalGroupRepository`][b2b_customers.ports.ApprovalGroupRepository].
    """

    def add(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a new group; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        _require_group(group)
        return self._insert(group)

    def save(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a changed group; return the stored copy (version + 1).

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company that has a group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        _require_group(group)
        return self._update(group)

    def remove(self, group_id: ApprovalGroupId) -> None:
        """Delete a group.

        Raises:
            NotFound: No group has this id.
        """
        self._delete(group_id)

    def get(self, group_id: ApprovalGroupId) -> ApprovalGroup:
        """Return the group with ``group_id``.

        Raises:
            NotFound: No group has this id.
        """
        with self._lock:
            return self._find(group_id)

    def for_company(self, company_id: CompanyId) -> ApprovalGroup:
        """Return the approval group of a company.

        Raises:
            NotFound: The company has no approval group.
        """
        with self._lock:
            found = self._buffer.rows("company", company_id)
        if not found:
            raise NotFound("ApprovalGroup", company_id, by="company")
        return found[0]

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApprovalGroup]:
        """Return the groups of any of these companies, sorted by id."""
        with self._lock:
            found = {
                row.id: row
                for company_id in set(company_ids)
                for row in self._buffer.rows("company", company_id)
            }
        return sorted(found.values(), key=lambda row: row.id)

    def _check_references(self, row: ApprovalGroup) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approval group {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        missing = sorted(
            member for member in row.member_ids if self._work.customers.get(member) is None
        )
        if missing:
            raise ValidationError(
                f"approval group {row.id!r} lists customers that do not exist "
                f"({', '.join(map(repr, missing))}); store them first",
                field="member_ids",
            )


def _require_group(group: object) -> None:
    if not isinstance(group, ApprovalGroup):
        raise ValidationError(f"expected an ApprovalGroup, got {type(group).__name__} {group!r}")
