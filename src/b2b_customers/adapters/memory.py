"""The in-memory store: dicts behind a lock, for tests, notebooks and demos.

:class:`MemoryStore` keeps the committed state of every repository in
dictionaries, with secondary indexes (account number, email, tax number,
parent to children, company to locations / contacts / customers, customer to
contacts and groups) so that look-ups do not scan.

A :class:`MemoryUnitOfWork` never copies the store. It keeps a write buffer
per table: the rows it added or changed, the ids it removed, and the version
each touched row had when it first touched it. Its reads lay that buffer over
the committed state, so it sees its own changes and nobody else does.
:meth:`MemoryUnitOfWork.commit` takes the store-wide lock, checks that no
other unit of work committed a newer version of a touched row in the meantime
(:class:`~b2b_customers.errors.StaleVersion`), re-checks every unique key and
reference against the state it is about to join, and only then applies the
whole buffer, recorded events included. Any failure leaves the store as it
was.

The isolation level is "read committed": a read sees the latest committed
state plus the unit of work's own changes; writes are checked optimistically
at commit. A store may be shared by many threads; a unit of work belongs to
one thread at a time.

Example::

    from b2b_customers.adapters.memory import MemoryStore
    from b2b_customers.domain import Company

    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.companies.add(Company(id="acme", name="ACME GmbH", currency="EUR"))
        uow.commit()
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar

import attrs

from b2b_customers.clock import SystemClock
from b2b_customers.domain import (
    Company,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerGroup,
    DomainEvent,
    GroupKind,
    Location,
    Versioned,
    ensure_acyclic,
)
from b2b_customers.errors import (
    AlreadyExists,
    HierarchyError,
    NotFound,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ports import (
    Clock,
    CompanyQuery,
    CompanyRepository,
    CompanySort,
    ContactRepository,
    CustomerGroupRepository,
    CustomerQuery,
    CustomerRepository,
    CustomerSort,
    LocationRepository,
    Outbox,
    OutboxEntry,
    Page,
)

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet
    from datetime import datetime
    from types import TracebackType

    from _typeshed import SupportsRichComparison

    from b2b_customers.ids import (
        CompanyId,
        ContactAssignmentId,
        CustomerGroupId,
        CustomerId,
        EventId,
        LocationId,
    )

__all__ = [
    "MemoryCompanyRepository",
    "MemoryContactRepository",
    "MemoryCustomerGroupRepository",
    "MemoryCustomerRepository",
    "MemoryLocationRepository",
    "MemoryOutbox",
    "MemoryStore",
    "MemoryUnitOfWork",
]

R = TypeVar("R", bound=Versioned)
T = TypeVar("T")

_Undo = Callable[[], None]
_MISSING = object()


# -- tables, indexes and write buffers


@attrs.frozen
class _Unique(Generic[R]):
    """A unique rule: at most one row may have each key of ``index``."""

    index: str
    message: Callable[[R, str], str]  # (the row, the id holding the key) -> what to fix


@attrs.frozen
class _Schema(Generic[R]):
    """What a table stores and how it is indexed."""

    entity: str
    ident: Callable[[R], str]
    indexes: Mapping[str, Callable[[R], Iterable[Hashable]]]
    unique: Sequence[_Unique[R]] = ()


class _Pending(Protocol):
    """A unit of work's buffer for one table, as commit sees it."""

    def check_versions(self) -> None: ...
    def apply(self) -> None: ...
    def clear(self) -> None: ...


class _Index(Generic[R]):
    """Maps each key to the ids of the rows that have it."""

    __slots__ = ("_buckets", "_keys_of")

    def __init__(self, keys_of: Callable[[R], Iterable[Hashable]]) -> None:
        self._keys_of = keys_of
        self._buckets: dict[Hashable, set[str]] = {}

    def add(self, row_id: str, row: R) -> None:
        for key in self._keys_of(row):
            self._buckets.setdefault(key, set()).add(row_id)

    def remove(self, row_id: str, row: R) -> None:
        for key in self._keys_of(row):
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.discard(row_id)
                if not bucket:
                    del self._buckets[key]

    def keys(self, row: R) -> Iterable[Hashable]:
        return self._keys_of(row)

    def ids(self, key: Hashable) -> AbstractSet[str]:
        return self._buckets.get(key, frozenset())


class _Table(Generic[R]):
    """Rows by id, with the secondary indexes of the schema."""

    __slots__ = ("indexes", "rows", "schema")

    def __init__(self, schema: _Schema[R]) -> None:
        self.schema = schema
        self.rows: dict[str, R] = {}
        self.indexes = {name: _Index(keys_of) for name, keys_of in schema.indexes.items()}

    def put(self, row: R) -> None:
        row_id = self.schema.ident(row)
        old = self.rows.get(row_id)
        if old is not None:
            for index in self.indexes.values():
                index.remove(row_id, old)
        self.rows[row_id] = row
        for index in self.indexes.values():
            index.add(row_id, row)

    def delete(self, row_id: str) -> None:
        old = self.rows.pop(row_id, None)
        if old is not None:
            for index in self.indexes.values():
                index.remove(row_id, old)


class _Buffer(Generic[R]):
    """One unit of work's pending changes to one table, read over the committed table.

    ``expected`` holds, for every id the unit of work wrote or removed, the
    committed version it started from (``None``: the id was free); commit
    refuses to go on when the committed table has moved since.
    """

    __slots__ = ("_journal", "base", "deleted", "expected", "schema", "written")

    def __init__(self, base: _Table[R], journal: list[_Undo]) -> None:
        self.base = base
        self.schema = base.schema
        self.written: _Table[R] = _Table(base.schema)
        self.deleted: set[str] = set()
        self.expected: dict[str, int | None] = {}
        self._journal = journal

    # reads: the buffer over the committed rows

    def get(self, row_id: str) -> R | None:
        row = self.written.rows.get(row_id)
        if row is not None:
            return row
        if row_id in self.deleted:
            return None
        return self.base.rows.get(row_id)

    def _shadowed(self, row_id: str) -> bool:
        return row_id in self.written.rows or row_id in self.deleted

    def ids(self, index: str, key: Hashable) -> set[str]:
        found = set(self.written.indexes[index].ids(key))
        found.update(
            row_id for row_id in self.base.indexes[index].ids(key) if not self._shadowed(row_id)
        )
        return found

    def rows(self, index: str, key: Hashable) -> list[R]:
        return [row for row_id in self.ids(index, key) if (row := self.get(row_id)) is not None]

    def all(self) -> Iterator[R]:
        yield from self.written.rows.values()
        for row_id, row in self.base.rows.items():
            if not self._shadowed(row_id):
                yield row

    def check_unique(self, row: R) -> None:
        """Raise :class:`AlreadyExists` when another row holds one of ``row``'s unique keys."""
        row_id = self.schema.ident(row)
        for rule in self.schema.unique:
            for key in self.written.indexes[rule.index].keys(row):
                holders = sorted(self.ids(rule.index, key) - {row_id})
                if holders:
                    raise AlreadyExists(rule.message(row, holders[0]))

    # writes, each with an undo step in the journal

    def _remember(self, row_id: str) -> None:
        previous_row = self.written.rows.get(row_id)
        was_deleted = row_id in self.deleted
        had_expected = row_id in self.expected
        previous_expected = self.expected.get(row_id)
        if not had_expected:
            committed = self.base.rows.get(row_id)
            self.expected[row_id] = None if committed is None else committed.version

        def undo() -> None:
            if previous_row is None:
                self.written.delete(row_id)
            else:
                self.written.put(previous_row)
            if was_deleted:
                self.deleted.add(row_id)
            else:
                self.deleted.discard(row_id)
            if had_expected:
                self.expected[row_id] = previous_expected
            else:
                self.expected.pop(row_id, None)

        self._journal.append(undo)

    def put(self, row: R) -> None:
        row_id = self.schema.ident(row)
        self._remember(row_id)
        self.written.put(row)
        self.deleted.discard(row_id)

    def delete(self, row_id: str) -> None:
        self._remember(row_id)
        self.written.delete(row_id)
        if self.expected[row_id] is None:
            # Added and removed in this unit of work: nothing to do at commit.
            del self.expected[row_id]
        else:
            self.deleted.add(row_id)

    # commit

    def check_versions(self) -> None:
        """Refuse to commit over rows another unit of work changed since this one touched them."""
        for row_id, expected in self.expected.items():
            committed = self.base.rows.get(row_id)
            version = None if committed is None else committed.version
            if version == expected:
                continue
            entity = self.schema.entity
            if expected is None:
                raise AlreadyExists(
                    f"another unit of work added a {entity} with id {row_id!r} first; "
                    "choose another id, or load and change the stored one"
                )
            if version is None:
                raise StaleVersion(
                    f"another unit of work removed {entity} {row_id!r} after this one read "
                    f"version {expected}; nothing was written"
                )
            raise StaleVersion(
                f"another unit of work saved version {version} of {entity} {row_id!r} after "
                f"this one read version {expected}; nothing was written. Reload it, apply the "
                "change again and commit"
            )

    def apply(self) -> None:
        for row_id in self.deleted:
            self.base.delete(row_id)
        for row in self.written.rows.values():
            self.base.put(row)

    def clear(self) -> None:
        self.written = _Table(self.schema)
        self.deleted.clear()
        self.expected.clear()


# -- the schema of each table


def _present(*keys: Hashable | None) -> list[Hashable]:
    return [key for key in keys if key is not None]


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


def _flag_taken(what: str) -> Callable[[Location, str], str]:
    def message(location: Location, holder: str) -> str:
        return (
            f"location {holder!r} is the {what} of company {location.company_id!r} already; "
            "take the flag from it first (AddressBook returns the changes in that order)"
        )

    return message


_LOCATIONS: _Schema[Location] = _Schema(
    entity="Location",
    ident=lambda location: location.id,
    indexes={
        "company": lambda location: [location.company_id],
        "primary": lambda location: [location.company_id] if location.is_primary else [],
        "billing": lambda location: [location.company_id] if location.is_default_billing else [],
        "shipping": lambda location: [location.company_id] if location.is_default_shipping else [],
    },
    unique=[
        _Unique("primary", _flag_taken("primary address")),
        _Unique("billing", _flag_taken("default billing address")),
        _Unique("shipping", _flag_taken("default shipping address")),
    ],
)

_CUSTOMERS: _Schema[Customer] = _Schema(
    entity="Customer",
    ident=lambda customer: customer.id,
    indexes={
        "email": lambda customer: [customer.email],
        "company": lambda customer: customer.company_ids,
    },
    unique=[
        _Unique(
            "email",
            lambda customer, holder: (
                f"email address {customer.email!r} belongs to customer {holder!r}; "
                "each customer needs an address of their own"
            ),
        )
    ],
)

_CONTACTS: _Schema[ContactAssignment] = _Schema(
    entity="ContactAssignment",
    ident=lambda contact: contact.id,
    indexes={
        "company": lambda contact: [contact.company_id],
        "customer": lambda contact: [contact.customer_id],
        "pair": lambda contact: [(contact.company_id, contact.customer_id)],
        "primary": lambda contact: (
            [(contact.company_id, contact.type)] if contact.is_primary else []
        ),
    },
    unique=[
        _Unique(
            "pair",
            lambda contact, holder: (
                f"customer {contact.customer_id!r} is a contact of company "
                f"{contact.company_id!r} already (assignment {holder!r}); change that one"
            ),
        ),
        _Unique(
            "primary",
            lambda contact, holder: (
                f"company {contact.company_id!r} has a primary {contact.type.value} contact "
                f"already (assignment {holder!r}); unset it first"
            ),
        ),
    ],
)

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


# -- the committed state, and one unit of work's view of it


class _State:
    """What a store has committed: the tables and the outbox, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.companies = _Table(_COMPANIES)
        self.locations = _Table(_LOCATIONS)
        self.customers = _Table(_CUSTOMERS)
        self.contacts = _Table(_CONTACTS)
        self.groups = _Table(_GROUPS)
        self.events: dict[EventId, OutboxEntry] = {}
        self.unpublished: dict[int, EventId] = {}  # position -> event id, oldest first
        self.positions = itertools.count(1)


class _Workspace:
    """One unit of work's pending changes: a buffer per table, events and marks."""

    def __init__(self, state: _State, clock: Clock) -> None:
        self.state = state
        self.lock = state.lock
        self.clock = clock
        self.journal: list[_Undo] = []
        self.companies = _Buffer(state.companies, self.journal)
        self.locations = _Buffer(state.locations, self.journal)
        self.customers = _Buffer(state.customers, self.journal)
        self.contacts = _Buffer(state.contacts, self.journal)
        self.groups = _Buffer(state.groups, self.journal)
        self.buffers: tuple[_Pending, ...] = (
            self.companies,
            self.locations,
            self.customers,
            self.contacts,
            self.groups,
        )
        self.rechecks: list[Callable[[], None]] = []  # filled in by the repositories
        self.recorded: list[DomainEvent] = []
        self.marks: dict[EventId, datetime] = {}

    def company_exists(self, company_id: CompanyId) -> bool:
        return self.companies.get(company_id) is not None

    def below(self, company_id: CompanyId) -> list[Company]:
        """Every company under ``company_id``: level by level, by id within a level."""
        found: list[Company] = []
        level = [company_id]
        while level:
            below = sorted(
                (child for parent in level for child in self.companies.rows("parent", parent)),
                key=lambda row: row.id,
            )
            found.extend(below)
            level = [child.id for child in below]
        return found

    def event_taken(self, event_id: EventId) -> bool:
        return event_id in self.state.events

    def commit(self) -> list[DomainEvent]:
        """Check everything, then apply everything; return the events committed."""
        state = self.state
        with state.lock:
            for buffer in self.buffers:
                buffer.check_versions()
            for recheck in self.rechecks:
                recheck()
            taken = sorted(event.id for event in self.recorded if self.event_taken(event.id))
            if taken:
                raise AlreadyExists(
                    f"events {', '.join(map(repr, taken))} are in the outbox already; "
                    "give every event an id of its own"
                )
            for buffer in self.buffers:
                buffer.apply()
            for event in self.recorded:
                position = next(state.positions)
                state.events[event.id] = OutboxEntry(position=position, event=event)
                state.unpublished[position] = event.id
            for event_id, published_at in self.marks.items():
                entry = state.events.get(event_id)
                if entry is not None and entry.published_at is None:
                    state.events[event_id] = attrs.evolve(entry, published_at=published_at)
                    del state.unpublished[entry.position]
            committed = self.recorded
            self.clear()
            return committed

    def clear(self) -> None:
        for buffer in self.buffers:
            buffer.clear()
        self.journal.clear()
        self.recorded = []
        self.marks = {}

    def undo_to(self, mark: int) -> None:
        while len(self.journal) > mark:
            self.journal.pop()()


class MemoryStore:
    """A store that keeps everything in memory; see the module docstring.

    Args:
        clock: Stamps ``created_at`` / ``updated_at`` and ``published_at``;
            the system clock (UTC) when ``None``.

    Attributes:
        clock: The store's clock.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._state = _State()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work over this store (begin it with ``with``)."""
        return MemoryUnitOfWork(self)

    def __repr__(self) -> str:
        state = self._state
        with state.lock:
            return (
                f"<MemoryStore companies={len(state.companies.rows)} "
                f"customers={len(state.customers.rows)} events={len(state.events)}>"
            )


# -- repositories


class _Repository(Generic[R]):
    """What every memory repository does: add, save, remove and get through a buffer."""

    def __init__(self, work: _Workspace, buffer: _Buffer[R]) -> None:
        self._work = work
        self._buffer = buffer
        self._lock = work.lock
        self._clock = work.clock
        work.rechecks.append(self._recheck)

    def _entity(self) -> str:
        return self._buffer.schema.entity

    def _find(self, row_id: str) -> R:
        row = self._buffer.get(row_id)
        if row is None:
            raise NotFound(self._entity(), row_id)
        return row

    def _check_references(self, row: R) -> None:
        """Raise when ``row`` names something that does not exist (a hook)."""

    def _check_change(self, stored: R, changed: R) -> None:
        """Raise when ``changed`` alters what may not change (a hook)."""

    def _insert(self, row: R) -> R:
        with self._lock:
            self._check_references(row)
            row_id = self._buffer.schema.ident(row)
            if self._buffer.get(row_id) is not None:
                raise AlreadyExists(
                    f"a {self._entity()} with id {row_id!r} exists already; choose another id, "
                    "or load and save the stored one"
                )
            now = self._clock.now()
            stamped = attrs.evolve(row, version=1, created_at=now, updated_at=now)
            self._buffer.check_unique(stamped)
            self._buffer.put(stamped)
            return stamped

    def _insert_many(self, rows: Iterable[R]) -> list[R]:
        with self._lock:
            mark = len(self._work.journal)
            try:
                return [self._insert(row) for row in rows]
            except BaseException:
                self._work.undo_to(mark)
                raise

    def _update(self, row: R) -> R:
        with self._lock:
            row_id = self._buffer.schema.ident(row)
            stored = self._find(row_id)
            if row.version != stored.version:
                raise StaleVersion(
                    f"{self._entity()} {row_id!r} is at version {stored.version}, but the copy "
                    f"saved is version {row.version}; reload it, apply the change again and save"
                )
            self._check_change(stored, row)
            self._check_references(row)
            stamped = attrs.evolve(
                row,
                version=stored.version + 1,
                created_at=stored.created_at,
                updated_at=self._clock.now(),
            )
            self._buffer.check_unique(stamped)
            self._buffer.put(stamped)
            return stamped

    def _delete(self, row_id: str) -> None:
        with self._lock:
            self._find(row_id)
            self._buffer.delete(row_id)

    def _recheck(self) -> None:
        """Check every pending row against the committed state it is about to join."""
        for row in self._buffer.written.rows.values():
            self._check_references(row)
            self._buffer.check_unique(row)


class MemoryCompanyRepository(_Repository[Company]):
    """Companies and their tree, in memory.

    Implements :class:`~b2b_customers.ports.CompanyRepository`.
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
            HierarchyError: The new parent does not exist or makes a cycle.
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
            matches = [company for company in candidates if _company_matches(company, query)]
        matches.sort(key=_COMPANY_SORT_KEYS[query.sort], reverse=query.descending)
        return _page(matches, query.offset, query.limit)

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
        """
        with self._lock:
            found: list[Company] = []
            current = self._find(company_id).parent_id
            while current is not None:
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

    def _check_references(self, row: Company) -> None:
        if row.parent_id is not None:
            if not self._work.company_exists(row.parent_id):
                raise HierarchyError(
                    f"parent company {row.parent_id!r} of {row.id!r} does not exist; "
                    "store the parent first",
                    field="parent_id",
                )
            ensure_acyclic(row.id, row.parent_id, self._parent_of)
        for name, other in (("bill_to_id", row.bill_to_id), ("master_id", row.master_id)):
            if other is not None and not self._work.company_exists(other):
                raise ValidationError(
                    f"company {other!r} does not exist; store it first or leave {name} empty",
                    field=name,
                )


class MemoryLocationRepository(_Repository[Location]):
    """Company locations, in memory.

    Implements :class:`~b2b_customers.ports.LocationRepository`.
    """

    def add(self, location: Location) -> Location:
        """Store a new location; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company already has another
                primary / default billing / default shipping location.
            ValidationError: The company does not exist.
        """
        return self._insert(location)

    def save(self, location: Location) -> Location:
        """Store a changed location; return the stored copy.

        Raises:
            NotFound: No location has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: Another location of the company has a flag this one sets.
            ValidationError: The location was moved to another company.
        """
        return self._update(location)

    def remove(self, location_id: LocationId) -> None:
        """Delete a location.

        Raises:
            NotFound: No location has this id.
        """
        self._delete(location_id)

    def get(self, location_id: LocationId) -> Location:
        """Return the location with ``location_id``.

        Raises:
            NotFound: No location has this id.
        """
        with self._lock:
            return self._find(location_id)

    def for_company(self, company_id: CompanyId) -> list[Location]:
        """Return a company's locations, oldest first (ties by id)."""
        with self._lock:
            found = self._buffer.rows("company", company_id)
        return sorted(found, key=lambda row: (row.created_at, row.id))

    def _check_references(self, row: Location) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of location {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )

    def _check_change(self, stored: Location, changed: Location) -> None:
        if changed.company_id != stored.company_id:
            raise ValidationError(
                f"location {stored.id!r} belongs to company {stored.company_id!r}; a location "
                "cannot move to another company: add a new one there and remove this one",
                field="company_id",
            )


class MemoryCustomerRepository(_Repository[Customer]):
    """Customers and their memberships, in memory.

    Implements :class:`~b2b_customers.ports.CustomerRepository`.
    """

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; return the stored copy.

        Raises:
            AlreadyExists: The id or the email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        return self._insert(customer)

    def add_many(self, customers: Iterable[Customer]) -> list[Customer]:
        """Store many new customers, all or none.

        Raises:
            AlreadyExists: An id or email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        return self._insert_many(customers)

    def save(self, customer: Customer) -> Customer:
        """Store a changed customer; return the stored copy.

        Raises:
            NotFound: No customer has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The email address is taken by another customer.
            ValidationError: A membership names a company that does not exist.
        """
        return self._update(customer)

    def get(self, customer_id: CustomerId) -> Customer:
        """Return the customer with ``customer_id``.

        Raises:
            NotFound: No customer has this id.
        """
        with self._lock:
            return self._find(customer_id)

    def get_many(self, customer_ids: Iterable[CustomerId]) -> list[Customer]:
        """Return the customers with these ids, sorted by id; unknown ids are left out."""
        with self._lock:
            found = [self._buffer.get(customer_id) for customer_id in set(customer_ids)]
        return sorted((row for row in found if row is not None), key=lambda row: row.id)

    def get_by_email(self, email: str) -> Customer:
        """Return the customer with this email address (compared without case).

        Raises:
            NotFound: No customer has this email address.
        """
        with self._lock:
            matches = self._buffer.rows("email", email.strip().lower())
        if not matches:
            raise NotFound("Customer", email, by="email")
        return matches[0]

    def search(self, query: CustomerQuery | None = None) -> Page[Customer]:
        """Return one page of the customers matching ``query`` (default: all, by email)."""
        query = query if query is not None else CustomerQuery()
        with self._lock:
            if query.company_id is None:
                scope: frozenset[CompanyId] | None = None
                candidates: Iterable[Customer] = self._buffer.all()
            else:
                scope = self._scope(query.company_id, subtree=query.include_subtree)
                ids = set().union(*(self._buffer.ids("company", company) for company in scope))
                candidates = [row for row_id in ids if (row := self._buffer.get(row_id))]
            matches = [row for row in candidates if _customer_matches(row, query, scope)]
        matches.sort(key=_CUSTOMER_SORT_KEYS[query.sort], reverse=query.descending)
        return _page(matches, query.offset, query.limit)

    def _scope(self, company_id: CompanyId, *, subtree: bool) -> frozenset[CompanyId]:
        if not subtree:
            return frozenset({company_id})
        below = self._work.below(company_id)
        return frozenset({company_id, *(company.id for company in below)})

    def _check_references(self, row: Customer) -> None:
        missing = sorted(
            company for company in row.company_ids if not self._work.company_exists(company)
        )
        if missing:
            raise ValidationError(
                f"customer {row.id!r} is a member of {', '.join(map(repr, missing))}, which "
                "does not exist; store the company first or drop the membership",
                field="memberships",
            )


class MemoryContactRepository(_Repository[ContactAssignment]):
    """Contact assignments, in memory.

    Implements :class:`~b2b_customers.ports.ContactRepository`.
    """

    def add(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a new assignment; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, the customer is a contact of the
                company already, or the company has a primary contact of this
                type already.
            ValidationError: The company or the customer does not exist.
        """
        return self._insert(contact)

    def save(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a changed assignment; return the stored copy.

        Raises:
            NotFound: No assignment has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It would make a second primary contact of its type.
            ValidationError: The company or customer was changed.
        """
        return self._update(contact)

    def remove(self, contact_id: ContactAssignmentId) -> None:
        """Delete an assignment.

        Raises:
            NotFound: No assignment has this id.
        """
        self._delete(contact_id)

    def get(self, contact_id: ContactAssignmentId) -> ContactAssignment:
        """Return the assignment with ``contact_id``.

        Raises:
            NotFound: No assignment has this id.
        """
        with self._lock:
            return self._find(contact_id)

    def for_company(
        self, company_id: CompanyId, *, contact_type: ContactType | None = None
    ) -> list[ContactAssignment]:
        """Return a company's contacts (of one type, if given), sorted by id."""
        with self._lock:
            found = self._buffer.rows("company", company_id)
        wanted = None if contact_type is None else ContactType(contact_type)
        return sorted(
            (row for row in found if wanted is None or row.type is wanted),
            key=lambda row: row.id,
        )

    def for_customer(self, customer_id: CustomerId) -> list[ContactAssignment]:
        """Return the assignments of one customer, sorted by id."""
        with self._lock:
            found = self._buffer.rows("customer", customer_id)
        return sorted(found, key=lambda row: row.id)

    def _check_references(self, row: ContactAssignment) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} does not exist; store it first",
                field="company_id",
            )
        if self._work.customers.get(row.customer_id) is None:
            raise ValidationError(
                f"customer {row.customer_id!r} does not exist; store them first",
                field="customer_id",
            )

    def _check_change(self, stored: ContactAssignment, changed: ContactAssignment) -> None:
        for name, before, after in (
            ("company_id", stored.company_id, changed.company_id),
            ("customer_id", stored.customer_id, changed.customer_id),
        ):
            if before != after:
                raise ValidationError(
                    f"assignment {stored.id!r} is for {before!r}; it cannot be moved to "
                    f"{after!r}: remove it and add a new one",
                    field=name,
                )


class MemoryCustomerGroupRepository(_Repository[CustomerGroup]):
    """Customer groups, in memory.

    Implements :class:`~b2b_customers.ports.CustomerGroupRepository`.
    """

    def add(self, group: CustomerGroup) -> CustomerGroup:
        """Store a new group; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The group's company does not exist.
        """
        return self._insert(group)

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


class MemoryOutbox:
    """The outbox seen from one unit of work.

    Implements :class:`~b2b_customers.ports.Outbox`. :meth:`pending` lists
    committed events; events recorded in this unit of work join the outbox
    when it commits. Marks made with :meth:`mark_published` belong to the
    unit of work too: they apply on commit and are dropped on rollback (this
    unit of work's :meth:`pending` leaves them out at once).
    """

    def __init__(self, work: _Workspace) -> None:
        self._work = work

    def pending(self, *, limit: int = 100) -> list[OutboxEntry]:
        """Return the oldest events not yet published, oldest first.

        Raises:
            ValidationError: ``limit`` is not a whole number of at least 1.
        """
        raw: object = limit
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
            raise ValidationError(f"must be a whole number >= 1, got {limit!r}", field="limit")
        state = self._work.state
        marks = self._work.marks
        with state.lock:
            waiting = (
                state.events[event_id]
                for event_id in state.unpublished.values()
                if event_id not in marks
            )
            return list(itertools.islice(waiting, limit))

    def mark_published(self, event_ids: Sequence[EventId]) -> None:
        """Mark these events published at the store's clock, on commit; unknown ids are ignored.

        An event marked twice keeps the time it was first published.
        """
        now = self._work.clock.now()
        for event_id in event_ids:
            self._work.marks.setdefault(event_id, now)


# -- the unit of work


class MemoryUnitOfWork:
    """One transaction over a :class:`MemoryStore`.

    Implements :class:`~b2b_customers.ports.UnitOfWork`. Changes go to a
    write buffer and reach the store on :meth:`commit`; see the module
    docstring for the checks made then. The buffer starts empty again after
    every commit and rollback, so one unit of work may commit several times.

    Args:
        store: The store it reads and writes.

    Attributes:
        store: The store it reads and writes.
        companies: The company repository.
        locations: The location repository.
        customers: The customer repository.
        contacts: The contact assignment repository.
        groups: The customer group repository.
        outbox: The outbox.
    """

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        state = store._state  # noqa: SLF001  (the store hands its state to its own units of work)
        self._work = _Workspace(state, store.clock)
        self._committed: list[DomainEvent] = []
        self.companies: CompanyRepository = MemoryCompanyRepository(
            self._work, self._work.companies
        )
        self.locations: LocationRepository = MemoryLocationRepository(
            self._work, self._work.locations
        )
        self.customers: CustomerRepository = MemoryCustomerRepository(
            self._work, self._work.customers
        )
        self.contacts: ContactRepository = MemoryContactRepository(self._work, self._work.contacts)
        self.groups: CustomerGroupRepository = MemoryCustomerGroupRepository(
            self._work, self._work.groups
        )
        self.outbox: Outbox = MemoryOutbox(self._work)

    def __enter__(self) -> Self:
        """Begin the transaction."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the transaction, rolling back whatever was not committed."""
        self.rollback()

    def commit(self) -> None:
        """Make every change and recorded event permanent and visible, all at once.

        Raises:
            StaleVersion: Another unit of work committed a newer version of a
                row this one changed or removed (nothing of this one is written).
            AlreadyExists: Another unit of work committed a row with an id or
                unique key this one also used.
            HierarchyError: Another unit of work moved a company so that this
                one's moves would make a cycle.
        """
        self._committed = self._work.commit()

    def rollback(self) -> None:
        """Throw away every change, recorded event and mark since the last commit."""
        self._work.clear()

    def record(self, event: DomainEvent) -> None:
        """Store ``event`` in the outbox with this transaction's changes.

        Raises:
            AlreadyExists: An event with this id is in the outbox already.
        """
        work = self._work
        with work.lock:
            if work.event_taken(event.id) or any(
                recorded.id == event.id for recorded in work.recorded
            ):
                raise AlreadyExists(
                    f"an event with id {event.id!r} is in the outbox already; "
                    "give every event an id of its own"
                )
        work.recorded.append(event)

    @property
    def committed_events(self) -> list[DomainEvent]:
        """The events of the last commit, for in-process handlers."""
        return list(self._committed)


# -- queries


def _page(matches: list[T], offset: int, limit: int) -> Page[T]:
    return Page(
        items=tuple(matches[offset : offset + limit]),
        total=len(matches),
        offset=offset,
        limit=limit,
    )


def _same(stored: object, wanted: object) -> bool:
    # True == 1 in Python, but a flag is not a number in a custom field.
    return type(stored) is type(wanted) and stored == wanted


def _company_matches(company: Company, query: CompanyQuery) -> bool:
    if query.name_contains is not None and query.name_contains.lower() not in company.name.lower():
        return False
    if query.status is not None and company.status is not query.status:
        return False
    if query.parent_id is not None and company.parent_id != query.parent_id:
        return False
    if query.top_level is not None and (company.parent_id is None) is not query.top_level:
        return False
    if query.tag is not None and query.tag not in company.tags:
        return False
    if query.country is not None and (
        company.legal_info is None or company.legal_info.country != query.country.strip().upper()
    ):
        return False
    return all(
        _same(company.custom_fields.get(key, _MISSING), value)
        for key, value in query.custom_fields.items()
    )


def _customer_matches(
    customer: Customer, query: CustomerQuery, scope: frozenset[CompanyId] | None
) -> bool:
    if query.role is not None:
        memberships = customer.memberships
        if scope is not None:
            memberships = tuple(item for item in memberships if item.company_id in scope)
        if not any(item.has(query.role) for item in memberships):
            return False
    if query.status is not None and customer.status is not query.status:
        return False
    if query.email_contains is not None and query.email_contains.lower() not in customer.email:
        return False
    if query.name_contains is not None:
        part = query.name_contains.lower()
        if part not in customer.first_name.lower() and part not in customer.last_name.lower():
            return False
    return query.tag is None or query.tag in customer.tags


def _nulls_last(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")


_COMPANY_SORT_KEYS: dict[CompanySort, Callable[[Company], SupportsRichComparison]] = {
    CompanySort.NAME: lambda company: (company.name, company.id),
    CompanySort.ACCOUNT_NUMBER: lambda company: (
        _nulls_last(company.account_number),
        company.id,
    ),
    CompanySort.CREATED_AT: lambda company: (company.created_at, company.id),
    CompanySort.ID: lambda company: company.id,
}

_CUSTOMER_SORT_KEYS: dict[CustomerSort, Callable[[Customer], SupportsRichComparison]] = {
    CustomerSort.EMAIL: lambda customer: (customer.email, customer.id),
    CustomerSort.LAST_NAME: lambda customer: (customer.last_name, customer.id),
    CustomerSort.CREATED_AT: lambda customer: (customer.created_at, customer.id),
    CustomerSort.ID: lambda customer: customer.id,
}
