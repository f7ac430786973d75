"""Approval requests in SQL: the request whole in ``data``, what the look-ups need in columns.

A company's open requests are found by ``(company_id, status)``, the expiry
sweep's by ``(status, expires_at)``; both read an index range per open status.
Every approval given is also a row of ``approval_verdicts`` (request,
approver, when), written with the request, so "what did this approver
approve since then" (a cap per period) reads an index range, not every
request's JSON.
A partial unique index keeps one open request per company and resource (see
`b2b_customers.approvals.open_resource`): of two units of work adding one at
once, the later insert fails, and is explained as `OpenRequestExists`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, tuple_, update

from b2b_customers.adapters._approvals import (
    check_request_change,
    require_batch,
    require_moment,
    require_request,
)
from b2b_customers.adapters.sql.mapping import (
    bookkeeping,
    converter,
    load,
    stamped,
    stored_bookkeeping,
    stored_time,
    utc,
)
from b2b_customers.adapters.sql.queries import sort_order, stale
from b2b_customers.adapters.sql.tables import (
    OPEN_REQUEST_PER_RESOURCE,
    approval_requests,
    approval_verdicts,
    companies,
    customers,
)
from b2b_customers.approvals.open_resource import (
    OpenResourceKey,
    open_request_exists,
    open_resource_key,
)
from b2b_customers.approvals.request import ApprovalRequest
from b2b_customers.approvals.status import OPEN_STATUSES, ApprovalStatus
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError
from b2b_customers.ports import ApprovalQuery, Page

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement, Connection, Select

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId

__all__ = ["SqlApprovalRepository"]

_table = approval_requests
_OPEN = sorted(status.value for status in OPEN_STATUSES)
_BY_SUBMISSION = (_table.c.submitted_at, _table.c.id)


def _row(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        **bookkeeping(request),
        "company_id": request.company_id,
        "requester_id": request.requester_id,
        "status": request.status.value,
        "resource_type": request.resource_type.value,
        "resource_id": request.resource_id,
        "submitted_at": utc(request.submitted_at),
        "expires_at": utc(request.expires_at),
        "data": converter().unstructure(request),
    }


class SqlApprovalRepository:
    """Approval requests, in SQL.

    Implements [`ApprovalRepository`][b2b_customers.ports.ApprovalRepository].

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        # The open requests this unit of work added, by resource: a violation of the
        # open-resource index that no committed request explains names one of them.
        self._added_open: dict[OpenResourceKey, str] = {}

    def add(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a new request; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken.
            OpenRequestExists: The request is open and another open request
                has its company, resource type and resource id.
            ValidationError: The company or the requester does not exist.
        """
        require_request(request)
        now = self._session.now()
        stored = stamped(request, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, violation: Violation) -> B2BError | None:
            if violation.constraint == OPEN_REQUEST_PER_RESOURCE:
                return self._open_elsewhere(connection, stored)
            return _explain(connection, stored)

        with self._session.write(explain) as connection:
            connection.execute(_table.insert(), [_row(stored)])
            _write_verdicts(connection, stored, before=None)
        key = open_resource_key(stored)
        if key is not None:
            self._added_open[key] = stored.id
        return stored

    def _open_elsewhere(self, connection: Connection, request: ApprovalRequest) -> B2BError:
        """Name the open request that holds ``request``'s resource (committed, or added here)."""
        holder = connection.execute(
            select(_table.c.id, _table.c.status).where(
                _table.c.company_id == request.company_id,
                _table.c.resource_type == request.resource_type.value,
                _table.c.resource_id == request.resource_id,
                _table.c.status.in_(_OPEN),
            )
        ).first()
        if holder is not None:
            return open_request_exists(
                request.resource_type, request.resource_id, holder.id, ApprovalStatus(holder.status)
            )
        key = open_resource_key(request)
        added = self._added_open.get(key) if key is not None else None
        return open_request_exists(
            request.resource_type, request.resource_id, added or "(added in this unit of work)"
        )

    def save(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a changed request; return the stored copy (version + 1).

        Raises:
            NotFound: No request has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The copy names another company, requester or
                resource, or its audit trail does not continue the stored one.
        """
        require_request(request)
        now = self._session.now()
        with self._session.write() as connection:
            row = stored_bookkeeping(
                connection,
                select(_table.c.version, _table.c.created_at, _table.c.data).where(
                    _table.c.id == request.id
                ),
                table=_table.name,
                key=request.id,
            )
            if row is None:
                raise NotFound("ApprovalRequest", request.id)
            version, created_at, data = row
            if version != request.version:
                raise stale("ApprovalRequest", request.id, version, request.version)
            before = load(ApprovalRequest, data, key=request.id)
            check_request_change(before, request)
            stored = stamped(
                request, version=version + 1, created_at=stored_time(created_at), updated_at=now
            )
            values = _row(stored)
            del values["id"]
            result = connection.execute(
                update(_table)
                .where(_table.c.id == request.id, _table.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("ApprovalRequest", request.id, version + 1, request.version)
            _write_verdicts(connection, stored, before=before)
        return stored

    def get(self, request_id: ApprovalRequestId) -> ApprovalRequest:
        """Return the request with ``request_id``.

        Raises:
            NotFound: No request has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_table.c.data).where(_table.c.id == request_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("ApprovalRequest", request_id)
        return load(ApprovalRequest, data, key=request_id)

    def open_for_company(self, company_id: CompanyId) -> list[ApprovalRequest]:
        """Return a company's open (pending or approved) requests, oldest submission first."""
        return self._list(
            select(_table.c.data)
            .where(_table.c.company_id == company_id, _table.c.status.in_(_OPEN))
            .order_by(*_BY_SUBMISSION)
        )

    def due(self, at: datetime, *, limit: int | None = None) -> list[ApprovalRequest]:
        """Return the open requests with ``expires_at <= at``, soonest first (ties by id).

        Raises:
            ValidationError: ``at`` is naive, or ``limit`` is not a whole number >= 1.
        """
        require_moment(at)
        require_batch(limit)
        statement = (
            select(_table.c.data)
            .where(_table.c.status.in_(_OPEN), _table.c.expires_at <= utc(at))
            .order_by(_table.c.expires_at, _table.c.id)
        )
        return self._list(statement if limit is None else statement.limit(limit))

    def for_requester(self, customer_id: CustomerId) -> list[ApprovalRequest]:
        """Return every request of one customer, oldest submission first."""
        return self._list(
            select(_table.c.data)
            .where(_table.c.requester_id == customer_id)
            .order_by(*_BY_SUBMISSION)
        )

    def search(self, query: ApprovalQuery | None = None) -> Page[ApprovalRequest]:
        """Return one page of the requests matching ``query`` (default: all, newest first)."""
        query = query if query is not None else ApprovalQuery()
        with self._session.read() as connection:
            conditions = _conditions(query)
            total = connection.execute(
                select(func.count()).select_from(_table).where(*conditions)
            ).scalar_one()
            items: tuple[ApprovalRequest, ...] = ()
            if query.offset < total:
                statement = (
                    select(_table.c.data)
                    .where(*conditions)
                    .order_by(*sort_order(_BY_SUBMISSION, descending=query.descending))
                    .offset(query.offset)
                    .limit(query.limit)
                )
                rows = connection.execute(statement).scalars()
                items = tuple(load(ApprovalRequest, data) for data in rows)
        return Page(items=items, total=total, offset=query.offset, limit=query.limit)

    def _list(self, statement: Select[Any]) -> list[ApprovalRequest]:
        with self._session.read() as connection:
            rows = connection.execute(statement).scalars()
            return [load(ApprovalRequest, data) for data in rows]


def _verdicts(request: ApprovalRequest) -> set[tuple[str, datetime]]:
    return {(verdict.approver_id, utc(verdict.at)) for verdict in request.approvals}


def _write_verdicts(
    connection: Connection, request: ApprovalRequest, *, before: ApprovalRequest | None
) -> None:
    """Bring the request's ``approval_verdicts`` rows in step with its approvals.

    Approvals only accumulate, so a save usually inserts the one just given
    (or nothing); rows of approvals no longer in the copy are deleted.
    """
    now = _verdicts(request)
    old = set() if before is None else _verdicts(before)
    gone, added = old - now, now - old
    if gone:
        connection.execute(
            delete(approval_verdicts).where(
                approval_verdicts.c.request_id == request.id,
                tuple_(approval_verdicts.c.approver_id, approval_verdicts.c.approved_at).in_(
                    sorted(gone)
                ),
            )
        )
    if added:
        connection.execute(
            approval_verdicts.insert(),
            [
                {"request_id": request.id, "approver_id": approver, "approved_at": at}
                for approver, at in sorted(added)
            ],
        )


def _conditions(query: ApprovalQuery) -> list[ColumnElement[bool]]:
    column = _table.c
    conditions: list[ColumnElement[bool]] = []
    if query.company_id is not None:
        conditions.append(column.company_id == query.company_id)
    if query.requester_id is not None:
        conditions.append(column.requester_id == query.requester_id)
    if query.status is not None:
        conditions.append(column.status == query.status.value)
    if query.resource_type is not None:
        conditions.append(column.resource_type == query.resource_type.value)
    if query.resource_id is not None:
        conditions.append(column.resource_id == query.resource_id)
    if query.approver_id is not None:
        conditions.append(column.id.in_(_approved_by(query.approver_id, query.approved_since)))
    return conditions


def _approved_by(approver_id: str, since: datetime | None) -> Select[tuple[str]]:
    """The ids of the requests ``approver_id`` approved (at or after ``since``): an index range."""
    verdicts = approval_verdicts.c
    statement = select(verdicts.request_id).where(verdicts.approver_id == approver_id)
    if since is not None:
        statement = statement.where(verdicts.approved_at >= utc(since))
    return statement


def _explain(connection: Connection, request: ApprovalRequest) -> B2BError | None:
    """Say which rule an insert broke: the company, the requester, then the id."""
    if (
        connection.execute(
            select(companies.c.id).where(companies.c.id == request.company_id)
        ).first()
        is None
    ):
        return ValidationError(
            f"company {request.company_id!r} of approval request {request.id!r} does not exist; "
            "store the company first",
            field="company_id",
        )
    if (
        connection.execute(
            select(customers.c.id).where(customers.c.id == request.requester_id)
        ).first()
        is None
    ):
        return ValidationError(
            f"requester {request.requester_id!r} of approval request {request.id!r} does not "
            "exist; store the customer first",
            field="requester_id",
        )
    if connection.execute(select(_table.c.id).where(_table.c.id == request.id)).first():
        return AlreadyExists(
            f"an ApprovalRequest with id {request.id!r} exists already; choose another id, "
            "or load and save the stored one"
        )
    return None
