"""Companies in SQL: the tree, account numbers, bulk imports and searches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, exists, or_, select, update

from b2b_customers.adapters.sql.mapping import (
    COMPANY_COLUMNS,
    COMPANY_FIELD_COLUMNS,
    COMPANY_TAG_COLUMNS,
    Stamp,
    company_field_rows,
    company_tag_rows,
    company_values,
    custom_field_key,
    stored_bookkeeping,
    stored_time,
)
from b2b_customers.adapters.sql.queries import (
    ancestor_rows,
    chunked,
    data_text,
    descendant_rows,
    existing,
    ids_param,
    insert_rows,
    json_text,
    lookup,
    page,
    parents_of,
    paused_gc,
    sort_order,
    stale,
    subtree_height,
)
from b2b_customers.adapters.sql.session import TREE_LOCK
from b2b_customers.adapters.sql.tables import companies, company_custom_fields, company_tags
from b2b_customers.domain import MAX_DEPTH, Company, CompanyStatus, ensure_acyclic
from b2b_customers.errors import (
    AlreadyExists,
    B2BError,
    HierarchyError,
    NotFound,
    ValidationError,
)
from b2b_customers.ports import CompanyQuery, CompanySort, Page

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy import ColumnElement, Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId

__all__ = ["SqlCompanyRepository"]

_DATA = data_text(companies)
_GET = select(_DATA).where(companies.c.id == bindparam("id"))
_GET_MANY = select(companies.c.id, _DATA).where(companies.c.id.in_(ids_param()))
_BY_ACCOUNT = select(companies.c.id, _DATA).where(
    companies.c.account_number == bindparam("account")
)
_BY_TAX_ID = (
    select(companies.c.id, _DATA)
    .where(companies.c.tax_registration_number == bindparam("tax_id"))
    .order_by(companies.c.id)
)
_CHILDREN = (
    select(companies.c.id, _DATA)
    .where(companies.c.parent_id == bindparam("id"))
    .order_by(companies.c.id)
)
_STORED = select(companies.c.id).where(companies.c.id == bindparam("id"))
_FOR_SAVE = select(companies.c.version, companies.c.created_at, companies.c.parent_id).where(
    companies.c.id == bindparam("id")
)

_SORT_COLUMNS: dict[CompanySort, Sequence[ColumnElement[Any]]] = {
    CompanySort.NAME: (companies.c.name, companies.c.id),
    CompanySort.ACCOUNT_NUMBER: (companies.c.account_number, companies.c.id),
    CompanySort.CREATED_AT: (companies.c.created_at, companies.c.id),
    CompanySort.ID: (companies.c.id,),
}


class SqlCompanyRepository:
    """Companies and their tree, in SQL.

    Implements [`CompanyRepository`][b2b_customers.ports.CompanyRepository]. The tree is
    checked before writing (a recursive query walks up from the new parent);
    ids, account numbers and references are enforced by the database's
    constraints and explained afterwards when one is violated.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writes

    def add(self, company: Company) -> Company:
        """Store a new company; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id or the account number is taken.
            HierarchyError: The parent does not exist.
            ValidationError: The bill-to or master company does not exist.
        """
        return self._insert([company])[0]

    def add_many(self, companies: Iterable[Company]) -> list[Company]:
        """Store many new companies, all or none; parents before their subsidiaries.

        The rows go to the database in one batch per table; the checks and
        errors are those of `add`, for the first item that fails.

        Raises:
            AlreadyExists: An id or account number is taken.
            HierarchyError: A parent does not exist (yet).
            ValidationError: A bill-to or master company does not exist.
        """
        items = list(companies)
        with paused_gc(len(items)):
            return self._insert(items)

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
        _require_companies([company])
        session = self._session
        now = session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain_save(connection, company)

        with session.write(explain) as connection:
            row = stored_bookkeeping(
                connection, _FOR_SAVE, {"id": company.id}, table="companies", key=company.id
            )
            if row is None:
                raise NotFound("Company", company.id)
            version, created_at, parent_id = row
            if version != company.version:
                raise stale("Company", company.id, version, company.version)
            if company.parent_id is not None:
                moved = company.parent_id != parent_id
                if moved:
                    session.lock(connection, TREE_LOCK)
                # A moved company takes its subsidiaries along: their levels count too.
                height = subtree_height(connection, company.id) if moved else 1
                self._check_parent(connection, company, height=height)
            stamp = Stamp(version + 1, stored_time(created_at), now)
            stored = stamp.apply(company)
            values = dict(
                zip(COMPANY_COLUMNS, company_values(stored, stamp, raw=False), strict=True)
            )
            del values["id"]
            values["data"] = json_text(values["data"], connection)
            result = connection.execute(
                update(companies)
                .where(companies.c.id == company.id, companies.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("Company", company.id, version + 1, company.version)
            connection.execute(delete(company_tags).where(company_tags.c.company_id == company.id))
            connection.execute(
                delete(company_custom_fields).where(
                    company_custom_fields.c.company_id == company.id
                )
            )
            _insert_details(connection, [stored], raw=not session.postgres)
        return stored

    # -- reads

    def get(self, company_id: CompanyId) -> Company:
        """Return the company with ``company_id``.

        Raises:
            NotFound: No company has this id.
        """
        session = self._session
        with session.read() as connection:
            data = connection.execute(_GET, {"id": company_id}).scalar_one_or_none()
        if data is None:
            raise NotFound("Company", company_id)
        return session.decode(Company, data, company_id)

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """Return the companies with these ids, sorted by id; unknown ids are left out."""
        found: list[Company] = []
        session = self._session
        with session.read() as connection:
            for chunk in chunked(sorted(set(company_ids)), session.chunk_size):
                rows = connection.execute(_GET_MANY, {"ids": chunk})
                found.extend(session.decode(Company, data, key) for key, data in rows)
        return sorted(found, key=lambda company: company.id)

    def existing(self, company_ids: Iterable[CompanyId]) -> set[CompanyId]:
        """Return which of these ids are stored (the primary key only; no row is decoded)."""
        session = self._session
        with session.read() as connection:
            return existing(connection, companies.c.id, set(company_ids), session.chunk_size)

    def get_by_account_number(self, account_number: str) -> Company:
        """Return the company with ``account_number``.

        Raises:
            NotFound: No company has this account number.
        """
        session = self._session
        with session.read() as connection:
            row = connection.execute(_BY_ACCOUNT, {"account": account_number.strip()}).one_or_none()
        if row is None:
            raise NotFound("Company", account_number, by="account number")
        return session.decode(Company, row[1], row[0])

    def find_by_tax_id(self, tax_registration_number: str) -> list[Company]:
        """Return the companies registered under this tax number, sorted by id."""
        session = self._session
        with session.read() as connection:
            rows = connection.execute(_BY_TAX_ID, {"tax_id": tax_registration_number.strip()})
            return [session.decode(Company, data, key) for key, data in rows]

    def search(self, query: CompanyQuery | None = None) -> Page[Company]:
        """Return one page of the companies matching ``query`` (default: all, by name)."""
        query = query if query is not None else CompanyQuery()
        order = sort_order(
            _SORT_COLUMNS[CompanySort(query.sort)],
            descending=query.descending,
            nulls_last=query.sort is CompanySort.ACCOUNT_NUMBER,
        )
        with self._session.read() as connection:
            return page(
                connection,
                self._session.decode,
                Company,
                companies,
                conditions=_conditions(query),
                order_by=order,
                offset=query.offset,
                limit=query.limit,
            )

    def children(self, company_id: CompanyId) -> list[Company]:
        """Return the direct subsidiaries of a company, sorted by id.

        Raises:
            NotFound: No company has this id.
        """
        session = self._session
        with session.read() as connection:
            _require_stored(connection, company_id)
            rows = connection.execute(_CHILDREN, {"id": company_id})
            return [session.decode(Company, data, key) for key, data in rows]

    def ancestors(self, company_id: CompanyId) -> list[Company]:
        """Return the parent, grandparent, ... of a company, nearest first.

        Raises:
            NotFound: No company has this id.
        """
        session = self._session
        with session.read() as connection:
            rows = ancestor_rows(connection, company_id)
        if not rows:
            raise NotFound("Company", company_id)
        decode = session.decode
        return [decode(Company, data, key) for key, data in rows[1:]]

    def descendants(self, company_id: CompanyId) -> list[Company]:
        """Return every company below this one: nearest levels first, by id within a level.

        Raises:
            NotFound: No company has this id.
        """
        session = self._session
        with session.read() as connection:
            rows = descendant_rows(connection, company_id)
        if not rows:
            raise NotFound("Company", company_id)
        decode = session.decode
        with paused_gc(len(rows)):
            return [decode(Company, data, key) for key, data in rows[1:]]

    # -- helpers

    def _insert(self, items: list[Company]) -> list[Company]:
        _require_companies(items)
        if not items:
            return []
        now = self._session.now()
        stamp = Stamp(1, now, now)
        stored = [stamp.apply(company) for company in items]
        raw = not self._session.postgres
        sent = len(stored)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain_insert(connection, stored[:sent])

        with self._session.write(explain) as connection:
            failure = self._hierarchy_failure(connection, stored)
            sent = failure[0] if failure is not None else len(stored)
            if sent:
                batch = stored[:sent]
                rows = [company_values(company, stamp, raw=raw) for company in batch]
                insert_rows(connection, companies, COMPANY_COLUMNS, rows, raw=raw)
                _insert_details(connection, batch, raw=raw)
            if failure is not None:
                raise failure[1]
        self._session.remember_written(stored, [row[-1] for row in rows])  # data: last
        return stored

    def _hierarchy_failure(
        self, connection: Connection, items: list[Company]
    ) -> tuple[int, HierarchyError] | None:
        """Find the first item whose parent is missing or would make a cycle or too deep a tree."""
        earlier: set[str] = set()
        needed: set[str] = set()
        for company in items:
            if company.parent_id is not None and company.parent_id not in earlier:
                needed.add(company.parent_id)
            earlier.add(company.id)
        if not needed and all(company.parent_id is None for company in items):
            return None
        parent_of: dict[str, Any] = (
            parents_of(connection, needed, self._session.chunk_size) if needed else {}
        )
        levels: dict[str, int] = {}
        for index, company in enumerate(items):
            parent = company.parent_id
            if parent is not None:
                if parent not in parent_of:
                    return index, _missing_parent(company)
                if company.id in parent_of or _level(parent, parent_of, levels) >= MAX_DEPTH:
                    try:
                        ensure_acyclic(company.id, parent, parent_of.get)
                    except HierarchyError as error:
                        return index, error
            if company.id in parent_of:
                levels.clear()  # the id is stored already: the batch will fail on it
            parent_of[company.id] = parent
        return None

    def _check_parent(self, connection: Connection, company: Company, *, height: int) -> None:
        parent = company.parent_id
        if parent is None:
            return
        parent_of = parents_of(connection, {parent}, self._session.chunk_size)
        if parent not in parent_of:
            raise _missing_parent(company)
        ensure_acyclic(company.id, parent, parent_of.get, height=height)

    def _explain_insert(self, connection: Connection, items: list[Company]) -> B2BError | None:
        """Say which item broke which rule, checking in the order `add` promises."""
        size = self._session.chunk_size
        references = {
            other for company in items for other in _references(company) if other is not None
        }
        known = existing(
            connection, companies.c.id, references | {company.id for company in items}, size
        )
        accounts = lookup(
            connection,
            companies.c.account_number,
            companies.c.id,
            {company.account_number for company in items if company.account_number is not None},
            size,
        )
        added: set[str] = set()
        added_accounts: dict[str, str] = {}
        for company in items:
            missing = _missing_reference(company, lambda other: other in added or other in known)
            if missing is not None:
                return missing
            if company.id in added or company.id in known:
                return _id_taken(company.id)
            if company.account_number is not None:
                holder = added_accounts.get(company.account_number) or accounts.get(
                    company.account_number
                )
                if holder is not None:
                    return _account_taken(company, holder)
                added_accounts[company.account_number] = company.id
            added.add(company.id)
        return None

    def _explain_save(self, connection: Connection, company: Company) -> B2BError | None:
        size = self._session.chunk_size
        references = {other for other in _references(company) if other is not None}
        known = existing(connection, companies.c.id, references, size)
        missing = _missing_reference(company, known.__contains__)
        if missing is not None:
            return missing
        if company.account_number is not None:
            holders = lookup(
                connection, companies.c.account_number, companies.c.id, {company.account_number}, 1
            )
            holder = holders.get(company.account_number)
            if holder is not None and holder != company.id:
                return _account_taken(company, holder)
        return None


# -- module helpers


def _require_companies(items: Sequence[object]) -> None:
    for item in items:
        if not isinstance(item, Company):
            raise ValidationError(f"expected a Company, got {type(item).__name__} {item!r}")


def _require_stored(connection: Connection, company_id: str) -> None:
    found = connection.execute(_STORED, {"id": company_id}).first()
    if found is None:
        raise NotFound("Company", company_id)


def _insert_details(connection: Connection, items: Sequence[Company], *, raw: bool) -> None:
    tags = [row for company in items if company.tags for row in company_tag_rows(company)]
    insert_rows(connection, company_tags, COMPANY_TAG_COLUMNS, tags, raw=raw)
    fields = [
        row for company in items if company.custom_fields for row in company_field_rows(company)
    ]
    insert_rows(connection, company_custom_fields, COMPANY_FIELD_COLUMNS, fields, raw=raw)


def _conditions(query: CompanyQuery) -> list[ColumnElement[bool]]:
    column = companies.c
    conditions: list[ColumnElement[bool]] = []
    if query.name_contains is not None:
        conditions.append(column.name_lower.contains(query.name_contains.lower(), autoescape=True))
    if query.status is not None:
        conditions.append(column.status == CompanyStatus(query.status).value)
    if query.parent_id is not None:
        conditions.append(column.parent_id == query.parent_id)
    if query.top_level is not None:
        conditions.append(
            column.parent_id.is_(None) if query.top_level else column.parent_id.is_not(None)
        )
    if query.tag is not None:
        conditions.append(
            exists().where(company_tags.c.company_id == column.id, company_tags.c.tag == query.tag)
        )
    fields = company_custom_fields.c
    for key, value in sorted(query.custom_fields.items()):
        encoded, digest = custom_field_key(value)
        conditions.append(
            exists().where(
                fields.company_id == column.id,
                fields.key == key,
                fields.value_hash == digest,
                fields.value == encoded,
            )
        )
    if query.country is not None:
        conditions.append(column.country == query.country.strip().upper())
    if query.paid_by is not None:
        payer = query.paid_by
        conditions.append(or_(column.bill_to_id == payer, column.master_id == payer))
    return conditions


def _level(company_id: str, parent_of: dict[str, Any], levels: dict[str, int]) -> int:
    """Return how many companies the chain from ``company_id`` to the top holds."""
    path: list[str] = []
    current: str | None = company_id
    while current is not None and current not in levels:
        path.append(current)
        if len(path) > MAX_DEPTH + 1:
            return MAX_DEPTH + 1  # too deep, or a loop: let ensure_acyclic say which
        current = parent_of.get(current)
    level = 0 if current is None else levels[current]
    for node in reversed(path):
        level += 1
        levels[node] = level
    return levels[company_id]


def _references(company: Company) -> tuple[str | None, str | None]:
    return company.bill_to_id, company.master_id


def _missing_reference(company: Company, exists_: Callable[[str], bool]) -> B2BError | None:
    for name, other in (("bill_to_id", company.bill_to_id), ("master_id", company.master_id)):
        if other is not None and not exists_(other):
            return ValidationError(
                f"company {other!r} does not exist; store it first or leave {name} empty",
                field=name,
            )
    return None


def _missing_parent(company: Company) -> HierarchyError:
    return HierarchyError(
        f"parent company {company.parent_id!r} of {company.id!r} does not exist; "
        "store the parent first",
        field="parent_id",
    )


def _id_taken(company_id: str) -> AlreadyExists:
    return AlreadyExists(
        f"a Company with id {company_id!r} exists already; choose another id, "
        "or load and save the stored one"
    )


def _account_taken(company: Company, holder: str) -> AlreadyExists:
    return AlreadyExists(
        f"account number {company.account_number!r} belongs to company {holder!r}; "
        "choose another account number"
    )
