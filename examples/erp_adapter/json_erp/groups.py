"""Customer groups, in the export's ``customer_groups.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain import CustomerGroup, GroupKind
from b2b_customers.errors import NotFound, ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId

__all__ = ["JsonCustomerGroupRepository"]


def _company_of(group: CustomerGroup) -> list[CompanyId]:
    """The company a group is the automatic group of (none for a custom group)."""
    if group.kind is GroupKind.COMPANY and group.company_id is not None:
        return [group.company_id]
    return []


class JsonCustomerGroupRepository(Repository[CustomerGroup]):
    """Customer groups. Implements `CustomerGroupRepository`."""

    entity = "CustomerGroup"
    unique = (
        Unique[CustomerGroup](
            _company_of,
            lambda group, holder: (
                f"company {group.company_id!r} has its customer group already ({holder!r}); "
                "change that one"
            ),
        ),
    )

    def add(self, group: CustomerGroup) -> CustomerGroup:
        """Store a new group; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The group's company does not exist.
        """
        return self._insert(group)

    def add_many(self, groups: Iterable[CustomerGroup]) -> list[CustomerGroup]:
        """Store many new groups, all or none; return the stored copies.

        Raises:
            AlreadyExists: An id is taken, or a company has its group already.
            ValidationError: A group's company does not exist.
        """
        return self._insert_many(groups)

    def add_members(self, members: Mapping[CompanyId, Iterable[CustomerId]]) -> list[CustomerGroup]:
        """Add customers to the automatic groups of companies, all or none.

        Companies without an automatic group are left out; returns the groups
        stored, sorted by id.
        """
        changed = []
        with self._work.write():
            for company, new in members.items():
                try:
                    group = self.for_company(company)
                except NotFound:
                    continue
                if not set(new) <= group.member_ids:
                    changed.append(self._update(group.with_members(group.member_ids | set(new))))
        return sorted(changed, key=lambda group: group.id)

    def save(self, group: CustomerGroup) -> CustomerGroup:
        """Store a changed group; return the stored copy.

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It became the group of a company that has one already.
            ValidationError: It names a company that does not exist.
        """
        return self._update(group)

    def remove(self, group_id: CustomerGroupId) -> None:
        """Delete a group.

        Raises:
            NotFound: No group has this id.
        """
        self._delete(group_id)

    def get(self, group_id: CustomerGroupId) -> CustomerGroup:
        """Return the group with ``group_id``.

        Raises:
            NotFound: No group has this id.
        """
        return self._find(group_id)

    def for_company(self, company_id: CompanyId) -> CustomerGroup:
        """Return the automatic group of a company.

        Raises:
            NotFound: The company has no group.
        """
        for group in self._table:
            if company_id in _company_of(group):
                return group
        raise NotFound("CustomerGroup", company_id, by="company")

    def of_customer(self, customer_id: CustomerId) -> list[CustomerGroup]:
        """Return the groups a customer is a member of, sorted by id."""
        return sorted(
            (group for group in self._table if customer_id in group.member_ids),
            key=lambda row: row.id,
        )

    def all(self) -> list[CustomerGroup]:
        """Return every group, sorted by id."""
        return sorted(self._table, key=lambda row: row.id)

    def _check_references(self, row: CustomerGroup) -> None:
        if row.company_id is not None and not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of group {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
