"""Approval groups, in the export's ``approval_groups.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.approvals import ApprovalGroup
from b2b_customers.errors import NotFound, ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import ApprovalGroupId, CompanyId

__all__ = ["JsonApprovalGroupRepository"]


class JsonApprovalGroupRepository(Repository[ApprovalGroup]):
    """Approval groups: one per company.

    Implements `ApprovalGroupRepository`.
    """

    entity = "ApprovalGroup"
    unique = (
        Unique[ApprovalGroup](
            lambda group: [group.company_id],
            lambda group, holder: (
                f"company {group.company_id!r} has its approval group already ({holder!r}); "
                "change that one"
            ),
        ),
    )

    def add(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a new group; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        return self._insert(group)

    def save(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a changed group; return the stored copy (version + 1).

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company that has a group already.
            ValidationError: The company, or a listed member, does not exist.
        """
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
        return self._find(group_id)

    def for_company(self, company_id: CompanyId) -> ApprovalGroup:
        """Return the approval group of a company.

        Raises:
            NotFound: The company has no approval group.
        """
        for group in self._table:
            if group.company_id == company_id:
                return group
        raise NotFound("ApprovalGroup", company_id, by="company")

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApprovalGroup]:
        """Return the groups of any of these companies, once each, sorted by id."""
        wanted = set(company_ids)
        return sorted(
            (group for group in self._table if group.company_id in wanted),
            key=lambda row: row.id,
        )

    def _check_references(self, row: ApprovalGroup) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approval group {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        missing = sorted(
            member for member in row.member_ids if not self._work.customer_exists(member)
        )
        if missing:
            raise ValidationError(
                f"approval group {row.id!r} lists customers that do not exist "
                f"({', '.join(map(repr, missing))}); store them first",
                field="member_ids",
            )
