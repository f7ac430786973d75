"""Companies and their tree, in the export's ``companies.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain import Company, ensure_acyclic
from b2b_customers.errors import HierarchyError, NotFound, ValidationError
from b2b_customers.ports import CompanyQuery, Page
from b2b_customers.queries import select
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId

__all__ = ["JsonCompanyRepository"]

_MISSING = object()


def _tax_number(company: Company) -> str | None:
    return None if company.legal_info is None else company.legal_info.tax_registration_number


class JsonCompanyRepository(Repository[Company]):
    """Companies and their tree. Implements `CompanyRepository`."""

    entity = "Company"
    unique = (
        Unique[Company](
            lambda company: [company.account_number] if company.account_number else [],
            lambda company, holder: (
                f"account number {company.account_number!r} belongs to company {holder!r}; "
                "choose another account number"
            ),
        ),
    )

    def add(self, company: Company) -> Company:
        """Store a new company; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id or the account number is taken.
            HierarchyError: The parent does not exist.
            ValidationError: The bill-to or master company does not exist.
        """
        return self._insert(company)

    def add_many(self, companies: Iterable[Company]) -> list[Company]:
        """Store many new companies, all or none; parents before their subsidiaries.

        Raises:
            AlreadyExists: An id or account number is taken.
            HierarchyError: A parent does not exist (yet).
            ValidationError: A bill-to or master company does not exist.
        """
        return self._insert_many(companies)

    def save(self, company: Company) -> Company:
        """Store a changed company; return the stored copy (version + 1).

        Raises:
            NotFound: No company has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The account number is taken by another company.
            HierarchyError: The new parent does not exist or makes a cycle.
            ValidationError: The bill-to or master company does not exist.
        """
        return self._update(company)

    def get(self, company_id: CompanyId) -> Company:
        """Return the company with ``company_id``.

        Raises:
            NotFound: No company has this id.
        """
        return self._find(company_id)

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """Return the companies with these ids, sorted by id; unknown ids are left out."""
        found = (self._table.get(company_id) for company_id in set(company_ids))
        return sorted((row for row in found if row is not None), key=lambda row: row.id)

    def existing(self, company_ids: Iterable[CompanyId]) -> set[CompanyId]:
        """Return which of these ids are stored."""
        return {key for key in set(company_ids) if self._table.get(key) is not None}

    def get_by_account_number(self, account_number: str) -> Company:
        """Return the company with ``account_number``.

        Raises:
            NotFound: No company has this account number.
        """
        wanted = account_number.strip()
        for company in self._table:
            if company.account_number == wanted:
                return company
        raise NotFound("Company", account_number, by="account number")

    def find_by_tax_id(self, tax_registration_number: str) -> list[Company]:
        """Return the companies registered under this tax number, sorted by id."""
        wanted = tax_registration_number.strip()
        return sorted(
            (company for company in self._table if _tax_number(company) == wanted),
            key=lambda row: row.id,
        )

    def search(self, query: CompanyQuery | None = None) -> Page[Company]:
        """Return one page of the companies matching ``query`` (default: all, by name)."""
        query = query if query is not None else CompanyQuery()
        return select(query, self._table)

    def children(self, company_id: CompanyId) -> list[Company]:
        """Return the direct subsidiaries of a company, sorted by id.

        Raises:
            NotFound: No company has this id.
        """
        self._find(company_id)
        return [self._find(child) for child in self._work.tree().children(company_id)]

    def ancestors(self, company_id: CompanyId) -> list[Company]:
        """Return the parent, grandparent, ... of a company, nearest first.

        Raises:
            NotFound: No company has this id.
        """
        self._find(company_id)
        return [self._find(parent) for parent in self._work.tree().ancestors(company_id)]

    def descendants(self, company_id: CompanyId) -> list[Company]:
        """Return every company below this one: nearest levels first, by id within a level.

        Raises:
            NotFound: No company has this id.
        """
        self._find(company_id)
        return [self._find(child) for child in self._work.tree().descendants(company_id)]

    def _check_references(self, row: Company) -> None:
        if row.parent_id is not None:
            if not self._work.company_exists(row.parent_id):
                raise HierarchyError(
                    f"parent company {row.parent_id!r} of {row.id!r} does not exist; "
                    "store the parent first",
                    field="parent_id",
                )
            # The company moves with its subsidiaries: their levels count too.
            height = self._work.tree().height(row.id)
            ensure_acyclic(row.id, row.parent_id, self._parent_of, height=height)
        for name, other in (("bill_to_id", row.bill_to_id), ("master_id", row.master_id)):
            if other is not None and not self._work.company_exists(other):
                raise ValidationError(
                    f"company {other!r} does not exist; store it first or leave {name} empty",
                    field=name,
                )

    def _parent_of(self, company_id: CompanyId) -> CompanyId | None:
        company = self._table.get(company_id)
        return None if company is None else company.parent_id
