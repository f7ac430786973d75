"""Customer groups in SQL: one automatic group per company, and custom groups."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import Text, bindparam, cast, delete, select, update
from sqlalchemy.dialects.postgresql import JSONB

from b2b_customers.adapters.sql.mapping import (
    GROUP_COLUMNS,
    GROUP_MEMBER_COLUMNS,
    Stamp,
    encode,
    group_member_values,
    group_values,
    load,
    stored_bookkeeping,
    stored_time,
    utc,
)
from b2b_customers.adapters.sql.queries import chunked, insert_rows, json_text, paused_gc, stale
from b2b_customers.adapters.sql.tables import companies, customer_group_members, customer_groups
from b2b_customers.domain import CustomerGroup, GroupKind
from b2b_customers.errors import (
    AlreadyExists,
    B2BError,
    NotFound,
    StaleVersion,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sqlalchemy import ColumnElement, Connection, Update

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId

__all__ = ["SqlCustomerGroupRepository"]

_groups = customer_groups
_members = customer_group_members


@functools.lru_cache(maxsize=4)  # one statement per dialect
def _adding_members(dialect: str) -> Update:
    """The conditional update of a group gaining members: its data bound as JSON text."""
    data: ColumnElement[Any] = bindparam("b_data", type_=Text())
    return (
        update(_groups)
        .where(_groups.c.id == bindparam("b_id"), _groups.c.version == bindparam("b_version"))
        .values(
            version=bindparam("b_new_version"),
            updated_at=bindparam("b_updated_at"),
            data=cast(data, JSONB()) if dialect == "postgresql" else data,
        )
    )


class SqlCustomerGroupRepository:
    """Customer groups, in SQL.

    Implements [`CustomerGroupRepository`][b2b_customers.ports.CustomerGroupRepository]. Members
    are rows of their own, so `of_customer` is one indexed query.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, group: CustomerGroup) -> CustomerGroup:
        """Store a new group; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The group's company does not exist.
        """
        _require_group(group)
        (stored,) = self.add_many([group])
        return stored

    def add_many(self, groups: Iterable[CustomerGroup]) -> list[CustomerGroup]:
        """Store many new groups, all or none, with one batch per table; return them.

        Raises:
            AlreadyExists: An id is taken (or given twice), or a company has its group already.
            ValidationError: A group's company does not exist.
        """
        items = list(groups)
        for group in items:
            _require_group(group)
        _refuse_repeated(items)
        if not items:
            return []
        now = self._session.now()
        stamp = Stamp(1, now, now)
        stored = [stamp.apply(group) for group in items]
        raw = not self._session.postgres

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            for group in stored:
                error = _explain(connection, group, new=True)
                if error is not None:
                    return error
            return None

        with paused_gc(len(stored)), self._session.write(explain) as connection:
            rows = [group_values(group, stamp, raw=raw) for group in stored]
            insert_rows(connection, _groups, GROUP_COLUMNS, rows, raw=raw)
            members = [row for group in stored for row in group_member_values(group)]
            insert_rows(connection, _members, GROUP_MEMBER_COLUMNS, members, raw=raw)
        return stored

    def add_members(self, members: Mapping[CompanyId, Iterable[CustomerId]]) -> list[CustomerGroup]:
        """Add customers to the automatic groups of companies, all or none.

        One query per chunk of companies reads their groups; one batch of
        conditional updates (``WHERE version = :read``) and one of member rows
        writes them. Companies without an automatic group are left out.

        Raises:
            StaleVersion: Another unit of work changed one of the groups first.
        """
        wanted = {company: frozenset(ids) for company, ids in members.items()}
        session = self._session
        now = session.now()
        with paused_gc(len(wanted)), session.write() as connection:
            current: list[CustomerGroup] = []
            for chunk in chunked(sorted(wanted), session.chunk_size):
                rows = connection.execute(
                    select(_groups.c.data).where(
                        _groups.c.kind == GroupKind.COMPANY.value, _groups.c.company_id.in_(chunk)
                    )
                ).scalars()
                current.extend(load(CustomerGroup, data) for data in rows)
            changed = [
                (group, wanted[group.company_id] - group.member_ids)
                for group in current
                if group.company_id is not None and not wanted[group.company_id] <= group.member_ids
            ]
            if not changed:
                return []
            stored = [
                attrs.evolve(
                    group,
                    member_ids=group.member_ids | new,
                    version=group.version + 1,
                    created_at=group.created_at or now,
                    updated_at=now,
                )
                for group, new in changed
            ]
            updated_at = utc(now)
            updates = [
                {
                    "b_id": after.id,
                    "b_version": before.version,
                    "b_new_version": after.version,
                    "b_updated_at": updated_at,
                    "b_data": encode(after),
                }
                for (before, _new), after in zip(changed, stored, strict=True)
            ]
            result = connection.execute(_adding_members(connection.dialect.name), updates)
            if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(updates):
                raise StaleVersion(
                    "another unit of work changed one of these customer groups first; "
                    "add the members again"
                )
            insert_rows(
                connection,
                _members,
                GROUP_MEMBER_COLUMNS,
                [(group.id, customer) for (group, new) in changed for customer in sorted(new)],
                raw=not session.postgres,
            )
        return sorted(stored, key=lambda group: group.id)

    def save(self, group: CustomerGroup) -> CustomerGroup:
        """Store a changed group; return the stored copy.

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It became the group of a company that has one already.
            ValidationError: It names a company that does not exist.
        """
        _require_group(group)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, group, new=False)

        with self._session.write(explain) as connection:
            row = stored_bookkeeping(
                connection,
                select(_groups.c.version, _groups.c.created_at).where(_groups.c.id == group.id),
                table=_groups.name,
                key=group.id,
            )
            if row is None:
                raise NotFound("CustomerGroup", group.id)
            version, created_at = row
            if version != group.version:
                raise stale("CustomerGroup", group.id, version, group.version)
            stamp = Stamp(version + 1, stored_time(created_at), now)
            stored = stamp.apply(group)
            values = dict(zip(GROUP_COLUMNS, group_values(stored, stamp, raw=False), strict=True))
            del values["id"]
            values["data"] = json_text(values["data"], connection)
            result = connection.execute(
                update(_groups)
                .where(_groups.c.id == group.id, _groups.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("CustomerGroup", group.id, version + 1, group.version)
            connection.execute(delete(_members).where(_members.c.group_id == group.id))
            insert_rows(
                connection,
                _members,
                GROUP_MEMBER_COLUMNS,
                group_member_values(stored),
                raw=not self._session.postgres,
            )
        return stored

    def remove(self, group_id: CustomerGroupId) -> None:
        """Delete a group.

        Raises:
            NotFound: No group has this id.
        """
        with self._session.write() as connection:
            connection.execute(delete(_members).where(_members.c.group_id == group_id))
            result = connection.execute(delete(_groups).where(_groups.c.id == group_id))
            if result.rowcount != 1:
                raise NotFound("CustomerGroup", group_id)

    def get(self, group_id: CustomerGroupId) -> CustomerGroup:
        """Return the group with ``group_id``.

        Raises:
            NotFound: No group has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_groups.c.data).where(_groups.c.id == group_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("CustomerGroup", group_id)
        return load(CustomerGroup, data, key=group_id)

    def for_company(self, company_id: CompanyId) -> CustomerGroup:
        """Return the automatic group of a company.

        Raises:
            NotFound: The company has no group.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_groups.c.data).where(
                    _groups.c.company_id == company_id,
                    _groups.c.kind == GroupKind.COMPANY.value,
                )
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("CustomerGroup", company_id, by="company")
        return load(CustomerGroup, data)

    def of_customer(self, customer_id: CustomerId) -> list[CustomerGroup]:
        """Return the groups a customer is a member of, sorted by id."""
        with self._session.read() as connection:
            rows = connection.execute(
                select(_groups.c.data)
                .join(_members, _members.c.group_id == _groups.c.id)
                .where(_members.c.customer_id == customer_id)
                .order_by(_groups.c.id)
            ).scalars()
            return [load(CustomerGroup, data) for data in rows]

    def all(self) -> list[CustomerGroup]:
        """Return every group, sorted by id."""
        with self._session.read() as connection:
            rows = connection.execute(select(_groups.c.data).order_by(_groups.c.id)).scalars()
            return [load(CustomerGroup, data) for data in rows]


def _require_group(group: object) -> None:
    if not isinstance(group, CustomerGroup):
        raise ValidationError(f"expected a CustomerGroup, got {type(group).__name__} {group!r}")


def _refuse_repeated(groups: list[CustomerGroup]) -> None:
    seen: set[str] = set()
    for group in groups:
        if group.id in seen:
            raise AlreadyExists(
                f"the CustomerGroup id {group.id!r} is given twice; give every group its own id"
            )
        seen.add(group.id)


def _explain(connection: Connection, group: CustomerGroup, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: the company, the id, then one group per company."""
    if group.company_id is not None:
        company = connection.execute(
            select(companies.c.id).where(companies.c.id == group.company_id)
        ).first()
        if company is None:
            return ValidationError(
                f"company {group.company_id!r} of group {group.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
    if new and connection.execute(select(_groups.c.id).where(_groups.c.id == group.id)).first():
        return AlreadyExists(
            f"a CustomerGroup with id {group.id!r} exists already; choose another id, "
            "or load and save the stored one"
        )
    if group.company_id is not None:
        holder = connection.execute(
            select(_groups.c.id).where(
                _groups.c.company_id == group.company_id, _groups.c.id != group.id
            )
        ).scalar_one_or_none()
        if holder is not None:
            return AlreadyExists(
                f"company {group.company_id!r} has its customer group already ({holder!r}); "
                "change that one"
            )
    return None
