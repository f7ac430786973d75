"""Customer groups, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.domain import CustomerGroup, GroupKind
from b2b_customers.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId

__all__ = ["MemoryCustomerGroupRepository"]


_GROUPS: _Schema[CustomerGroup] = _Schema(
    entity="CustomerGroup",
    ident=lambda group: group.id,
    indexes={
        "company": lambda group: [group.company_id] if group.kind is GroupKind.COMPANY else [],
        "member": lambda group: group.member_ids,
    },
    unique=[
        _Unique(
            "company",
            lambda group, holder: (
                f"company {group.company_id!r} has its customer group already ({holder!r}); "
                "change that one"
            ),
        )
    ],
)


class MemoryCustomerGroupRepository(_Repository[CustomerGroup]):
    """Customer groups, in memory.

    Implements [`CustomerGroupRepository`][b2b_customers.ports.CustomerGroupRepository].
    """

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

        def add() -> list[CustomerGroup]:
            changed = []
            for company, new in members.items():
                found = self._buffer.rows("company", company)
                if found and not set(new) <= found[0].member_ids:
                    group = found[0]
                    changed.append(self._update(group.with_members(group.member_ids | set(new))))
            return sorted(changed, key=lambda group: group.id)

        return self._atomically(add)

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
        with self._lock:
            return self._find(group_id)

    def for_company(self, company_id: CompanyId) -> CustomerGroup:
        """Return the automatic group of a company.

        Raises:
            NotFound: The company has no group.
        """
        with self._lock:
            found = self._buffer.rows("company", company_id)
        if not found:
            raise NotFound("CustomerGroup", company_id, by="company")
        return found[0]

    def of_customer(self, customer_id: CustomerId) -> list[CustomerGroup]:
        """Return the groups a customer is a member of, sorted by id."""
        with self._lock:
            found = self._buffer.rows("member", customer_id)
        return sorted(found, key=lambda row: row.id)

    def all(self) -> list[CustomerGroup]:
        """Return every group, sorted by id."""
        with self._lock:
            found = list(self._buffer.all())
        return sorted(found, key=lambda row: row.id)

    def _check_references(self, row: CustomerGroup) -> None:
        if row.company_id is not None and not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of group {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
