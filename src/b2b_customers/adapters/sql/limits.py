"""Purchasing limits in SQL, found by the company their scope is set on."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, Select, bindparam, delete, select

from b2b_customers.adapters.sql.mapping import bookkeeping, converter, stamped
from b2b_customers.adapters.sql.queries import chunked, data_text, ids_param
from b2b_customers.adapters.sql.tables import companies, purchasing_limits
from b2b_customers.adapters.sql.versioned import update_versioned
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError
from b2b_customers.limits.rules import PurchasingLimit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId, LimitId

__all__ = ["SqlLimitRepository"]

_table = purchasing_limits
_GET = select(data_text(_table)).where(_table.c.id == bindparam("id"))
_SET_ON = select(data_text(_table)).where(_table.c.company_id.in_(ids_param()))
_FEW = 32  # up to this many companies (a company and its ancestors), a statement of their own


@functools.lru_cache(maxsize=64)  # one per number of companies, up to _FEW
def _set_on_few(count: int) -> Select[Any]:
    """``set_on`` for ``count`` companies: a fixed ``IN`` list is quicker than an expanding one."""
    marks: list[BindParameter[Any]] = [bindparam(f"c{position}") for position in range(count)]
    return select(data_text(_table)).where(_table.c.company_id.in_(marks))


def _row(limit: PurchasingLimit) -> dict[str, Any]:
    return {
        "id": limit.id,
        **bookkeeping(limit),
        "company_id": limit.scope.company_id,
        "data": converter().unstructure(limit),
    }


class SqlLimitRepository:
    """Purchasing limits, in SQL.

    Implements [`LimitRepository`][b2b_customers.ports.LimitRepository].

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, limit: PurchasingLimit) -> PurchasingLimit:
        """Store a new limit; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The scope's company does not exist.
        """
        _require_limit(limit)
        now = self._session.now()
        stored = stamped(limit, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            connection.execute(_table.insert(), [_row(stored)])
        return stored

    def save(self, limit: PurchasingLimit) -> PurchasingLimit:
        """Store a changed limit; return the stored copy (version + 1).

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The scope's company does not exist.
        """
        _require_limit(limit)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, limit, new=False)

        with self._session.write(explain) as connection:
            return update_versioned(
                connection, _table, limit, kind="PurchasingLimit", row=_row, now=now
            )

    def remove(self, limit_id: LimitId) -> None:
        """Delete a limit.

        Raises:
            NotFound: No limit has this id.
        """
        with self._session.write() as connection:
            result = connection.execute(delete(_table).where(_table.c.id == limit_id))
            if result.rowcount != 1:
                raise NotFound("PurchasingLimit", limit_id)

    def get(self, limit_id: LimitId) -> PurchasingLimit:
        """Return the limit with ``limit_id``.

        Raises:
            NotFound: No limit has this id.
        """
        session = self._session
        with session.read() as connection:
            data = connection.execute(_GET, {"id": limit_id}).scalar_one_or_none()
        if data is None:
            raise NotFound("PurchasingLimit", limit_id)
        return session.decode(PurchasingLimit, data, limit_id)

    def set_on(self, company_ids: Iterable[CompanyId]) -> list[PurchasingLimit]:
        """Return the limits (active or not) set on any of these companies, sorted by id.

        Pass the ordering company and its ancestors to get every limit that may
        cover an order.
        """
        found: list[PurchasingLimit] = []
        session = self._session
        ids = sorted(set(company_ids))
        with session.read() as connection:
            if 0 < len(ids) <= _FEW:
                parameters = {f"c{position}": company for position, company in enumerate(ids)}
                rows = connection.execute(_set_on_few(len(ids)), parameters).scalars()
                found.extend(session.decode(PurchasingLimit, data) for data in rows)
            else:
                for chunk in chunked(ids, session.chunk_size):
                    rows = connection.execute(_SET_ON, {"ids": chunk}).scalars()
                    found.extend(session.decode(PurchasingLimit, data) for data in rows)
        return sorted(found, key=lambda limit: limit.id)

    def lock(self, limit_ids: Iterable[LimitId]) -> None:
        """Hold these budgets until the unit of work ends.

        PostgreSQL locks the limits' rows (``FOR UPDATE``, in id order, so two
        lockers never deadlock); SQLite takes its write lock (``BEGIN
        IMMEDIATE``): one writer at a time. Either way the spend read after it
        is the latest committed one.
        """
        ids = sorted(set(limit_ids))
        if not ids:
            return
        session = self._session
        with session.read() as connection:
            if not session.postgres:
                session.begin_write(connection)
                return
            for chunk in chunked(ids, session.chunk_size):
                connection.execute(_LOCK, {"ids": chunk}).all()


_LOCK = (
    select(purchasing_limits.c.id)
    .where(purchasing_limits.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(purchasing_limits.c.id)
    .with_for_update()
)


def _require_limit(limit: object) -> None:
    if not isinstance(limit, PurchasingLimit):
        raise ValidationError(f"expected a PurchasingLimit, got {type(limit).__name__} {limit!r}")


def _explain(connection: Connection, limit: PurchasingLimit, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: the scope's company, then the id."""
    company_id = limit.scope.company_id
    if (
        connection.execute(select(companies.c.id).where(companies.c.id == company_id)).first()
        is None
    ):
        return ValidationError(
            f"company {company_id!r} of limit {limit.id!r} does not exist; store the company first",
            field="scope.company_id",
        )
    if new and connection.execute(select(_table.c.id).where(_table.c.id == limit.id)).first():
        return AlreadyExists(
            f"a PurchasingLimit with id {limit.id!r} exists already; choose another id, "
            "or load and save the stored one"
        )
    return None
