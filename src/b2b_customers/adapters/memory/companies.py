"""Companies and their tree, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _present, _Schema, _Unique
from b2b_customers.domain import MAX_DEPTH, Company, ensure_acyclic
from b2b_customers.domain.hierarchy import subtree_height, too_deep
from b2b_customers.errors import HierarchyError, NotFound, ValidationError
from b2b_customers.ports import CompanyQuery, Page
from b2b_customers.queries import select

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

    from b2b_customers.ids import CompanyId

__all__ = ["MemoryCompanyRepository"]


def _tax_number(company: Company) -> list[Hashable]:
    info = company.legal_info
    return _present(info.tax_registration_number if info is not None else None)


_COMPANIES: _Schema[Company] = _Schema(
    entity="Company",
    ident=lambda company: company.id,
    indexes={
        "account_number": lambda company: _present(company.account_number),
        "tax_number": _tax_number,
        "parent": lambda company: [company.parent_id],
    },
    unique=[
        _Unique(
            "account_number",
            lambda company, holder: (
                f"account number {company.account_number!r} belongs to company {holder!r}; "
                "choose another account number"
            ),
        )
    ],
)


class MemoryCompanyRepository(_Repository[Company]):
    """Companies and their tree, in memory.

    Implements [`CompanyRepository`][b2b_customers.ports.CompanyRepository].
    """

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
            HierarchyError: The new parent does not exist, makes a cycle, or
                puts the company's subtree deeper than ``MAX_DEPTH`` levels.
            ValidationError: The bill-to or master company does not exist.
        """
        return self._update(company)

    def get(self, company_id: CompanyId) -> Company:
        """Return the company with ``company_id``.

        Raises:
            NotFound: No company has this id.
        """
        with self._lock:
            return self._find(company_id)

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """Return the companies with these ids, sorted by id; unknown ids are left out."""
        with self._lock:
            found = [self._buffer.get(company_id) for company_id in set(company_ids)]
        return sorted((row for row in found if row is not None), key=lambda row: row.id)

    def existing(self, company_ids: Iterable[CompanyId]) -> set[CompanyId]:
        """Return which of these ids are stored."""
        with self._lock:
            return {key for key in set(company_ids) if self._buffer.get(key) is not None}

    def get_by_account_number(self, account_number: str) -> Company:
        """Return the company with ``account_number``.

        Raises:
            NotFound: No company has this account number.
        """
        with self._lock:
            matches = self._buffer.rows("account_number", account_number.strip())
        if not matches:
            raise NotFound("Company", account_number, by="account number")
        return matches[0]

    def find_by_tax_id(self, tax_registration_number: str) -> list[Company]:
        """Return the companies registered under this tax number, sorted by id."""
        with self._lock:
            matches = self._buffer.rows("tax_number", tax_registration_number.strip())
        return sorted(matches, key=lambda row: row.id)

    def search(self, query: CompanyQuery | None = None) -> Page[Company]:
        """Return one page of the companies matching ``query`` (default: all, by name)."""
        query = query if query is not None else CompanyQuery()
        with self._lock:
            if query.parent_id is not None:
                candidates: Iterable[Company] = self._buffer.rows("parent", query.parent_id)
            elif query.top_level:
                candidates = self._buffer.rows("parent", None)
            else:
                candidates = self._buffer.all()
            return select(query, candidates)

    def children(self, company_id: CompanyId) -> list[Company]:
        """Return the direct subsidiaries of a company, sorted by id.

        Raises:
            NotFound: No company has this id.
        """
        with self._lock:
            self._find(company_id)
            children = self._buffer.rows("parent", company_id)
        return sorted(children, key=lambda row: row.id)

    def ancestors(self, company_id: CompanyId) -> list[Company]:
        """Return the parent, grandparent, ... of a company, nearest first.

        Raises:
            NotFound: No company has this id.
            HierarchyError: The stored chain is deeper than ``MAX_DEPTH`` or loops.
        """
        with self._lock:
            found: list[Company] = []
            current = self._find(company_id).parent_id
            while current is not None:
                if len(found) >= MAX_DEPTH:
                    raise too_deep(company_id)
                parent = self._find(current)
                found.append(parent)
                current = parent.parent_id
            return found

    def descendants(self, company_id: CompanyId) -> list[Company]:
        """Return every company below this one: nearest levels first, by id within a level.

        Raises:
            NotFound: No company has this id.
        """
        with self._lock:
            self._find(company_id)
            return self._work.below(company_id)

    def _parent_of(self, company_id: CompanyId) -> CompanyId | None:
        company = self._buffer.get(company_id)
        return company.parent_id if company is not None else None

    def _children_of(self, company_id: CompanyId) -> list[CompanyId]:
        return [child.id for child in self._buffer.rows("parent", company_id)]

    def _check_references(self, row: Company) -> None:
        if row.parent_id is not None:
            if not self._work.company_exists(row.parent_id):
                raise HierarchyError(
                    f"parent company {row.parent_id!r} of {row.id!r} does not exist; "
                    "store the parent first",
                    field="parent_id",
                )
            # The company moves with its subsidiaries: their levels count too.
            height = subtree_height(row.id, self._children_of)
            ensure_acyclic(row.id, row.parent_id, self._parent_of, height=height)
        for name, other in (("bill_to_id", row.bill_to_id), ("master_id", row.master_id)):
            if other is not None and not self._work.company_exists(other):
                raise ValidationError(
                    f"company {other!r} does not exist; store it first or leave {name} empty",
                    field=name,
                )
