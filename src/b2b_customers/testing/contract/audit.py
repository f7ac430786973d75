"""The contract of the audit log: append-only, transactional, in a stable order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import ActorKind, AuditLogEntry
from b2b_customers.errors import AlreadyExists, NotFound
from b2b_customers.ids import CompanyId, EventId
from b2b_customers.ports import AuditQuery
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import START, ContractBase, _all_pages, _read

if TYPE_CHECKING:
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["AuditContract"]

_MINUTE = timedelta(minutes=1)


def _entry(
    entry_id: str,
    *,
    company_id: str | None = "acme",
    at: datetime = START,
    aggregate: tuple[str, str] = ("company", "acme"),
    **fields: Any,  # noqa: ANN401  (any AuditLogEntry field)
) -> AuditLogEntry:
    aggregate_type, aggregate_id = aggregate
    fields.setdefault("action", f"{aggregate_type}.updated")
    fields.setdefault("before", {"name": "old"})
    fields.setdefault("after", {"name": entry_id})
    return AuditLogEntry(
        id=EventId(entry_id),
        occurred_at=at,
        actor_id="s-1",
        actor_kind=ActorKind.SELLER,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        company_id=None if company_id is None else CompanyId(company_id),
        **fields,
    )


def _append(store: Store, *entries: AuditLogEntry) -> None:
    with store.unit_of_work() as uow:
        for entry in entries:
            uow.audit.append(entry)
        uow.commit()


def _company_ids(store: Store, company_id: str, query: AuditQuery | None = None) -> list[str]:
    page = _read(store, lambda uow: uow.audit.for_company(CompanyId(company_id), query))
    return [entry.id for entry in page.items]


def _history(store: Store, aggregate_type: str, aggregate_id: str) -> tuple[AuditLogEntry, ...]:
    def read(uow: UnitOfWork) -> tuple[AuditLogEntry, ...]:
        query = AuditQuery(limit=1000)
        return uow.audit.for_aggregate(aggregate_type, aggregate_id, query).items

    return _read(store, read)


class AuditContract(ContractBase):
    """The audit log: what is appended comes back unchanged; nothing else changes it."""

    def test_an_appended_entry_comes_back_unchanged(self) -> None:
        """Every field survives, whoever acted and whatever the aggregate held."""

        @self._property()
        @given(st.lists(st_b2b.audit_log_entries(), max_size=4, unique_by=lambda e: e.id))
        def check(entries: list[AuditLogEntry]) -> None:
            with self._fresh_store() as (store, _clock):
                _append(store, *entries)
                for entry in entries:
                    assert entry in _history(store, entry.aggregate_type, entry.aggregate_id)
                    if entry.company_id is not None:
                        assert entry.id in _company_ids(
                            store, entry.company_id, AuditQuery(limit=1000)
                        )

        check()

    def test_the_log_has_no_way_to_change_or_remove_an_entry(self, store: Store) -> None:
        """Append-only: no save, update, remove or delete; an id is appended once."""
        first = _entry("e1")
        _append(store, first)
        with store.unit_of_work() as uow:
            for name in ("save", "update", "remove", "delete", "clear", "replace"):
                assert not hasattr(uow.audit, name), f"the audit log offers {name}()"

            def forge() -> None:  # refused at append, or at commit by a store that batches
                uow.audit.append(_entry("e1", after={"name": "forged"}))
                uow.audit.append(_entry("e2"))
                uow.commit()

            with pytest.raises(AlreadyExists):
                forge()
        assert _read(store, lambda uow: uow.audit.for_company(CompanyId("acme")).items) == (first,)

    def test_an_id_is_taken_within_one_unit_of_work_too(self, store: Store) -> None:
        """Appending the same id twice before commit fails the second time, at ``append``."""
        with store.unit_of_work() as uow:
            uow.audit.append(_entry("e1"))
            with pytest.raises(AlreadyExists):
                uow.audit.append(_entry("e1", after={"name": "again"}))
        assert _company_ids(store, "acme") == []

    def test_append_many_adds_entries_in_order(self, store: Store) -> None:
        """``append_many`` appends every entry, in the order given, as ``append`` would."""
        with store.unit_of_work() as uow:
            uow.audit.append(_entry("e1"))
            appended = uow.audit.append_many([_entry("e3"), _entry("e2")])
            uow.commit()
        assert [entry.id for entry in appended] == ["e3", "e2"]
        assert _company_ids(store, "acme") == ["e1", "e3", "e2"]

    def test_append_many_is_all_or_nothing(self, store: Store) -> None:
        """An id in the log already, or given twice, refuses the whole batch."""
        _append(store, _entry("e1"))
        with store.unit_of_work() as uow:

            def append_and_commit() -> None:  # refused here, or at commit by a batching store
                uow.audit.append_many([_entry("e2"), _entry("e1")])
                uow.commit()

            with pytest.raises(AlreadyExists):
                append_and_commit()
        with store.unit_of_work() as uow, pytest.raises(AlreadyExists):
            uow.audit.append_many([_entry("e3"), _entry("e3")])
        assert _company_ids(store, "acme") == ["e1"]

    def test_audit_entries_of_a_unit_of_work_that_does_not_commit_are_dropped(
        self, store: Store
    ) -> None:
        """Leaving the block, an exception and ``rollback`` all drop appended entries."""
        with store.unit_of_work() as uow:
            uow.audit.append(_entry("e1"))

        def fail_after_appending() -> None:
            with store.unit_of_work() as uow:
                uow.audit.append(_entry("e2"))
                uow.companies.get(CompanyId("nowhere"))

        with pytest.raises(NotFound):
            fail_after_appending()
        with store.unit_of_work() as uow:
            uow.audit.append(_entry("e3"))
            uow.rollback()
            uow.audit.append(_entry("e4"))
            uow.commit()
        assert _company_ids(store, "acme") == ["e4"]

    def test_a_unit_of_work_reads_its_own_entries_and_nobody_else_does(self, store: Store) -> None:
        """Appended entries are visible inside the unit of work at once, outside after commit."""
        _append(store, _entry("e1"))
        with store.unit_of_work() as uow:
            uow.audit.append(_entry("e2", at=START + _MINUTE))
            assert [e.id for e in uow.audit.for_company(CompanyId("acme")).items] == ["e1", "e2"]
            assert _company_ids(store, "acme") == ["e1"]
            uow.commit()
        assert _company_ids(store, "acme") == ["e1", "e2"]

    def test_a_failed_append_writes_nothing_of_its_unit_of_work(self, store: Store) -> None:
        """A refused append (at ``append`` or at ``commit``) drops the entries before it too."""
        _append(store, _entry("e1"))

        def append_then_fail() -> None:
            with store.unit_of_work() as uow:
                uow.audit.append(_entry("e2"))
                uow.audit.append(_entry("e1", after={"name": "again"}))
                uow.commit()

        with pytest.raises(AlreadyExists):
            append_then_fail()
        assert _history(store, "company", "acme") == (_entry("e1"),)
        _append(store, _entry("e2"))
        assert _company_ids(store, "acme") == ["e1", "e2"]

    def test_entries_come_by_time_then_in_the_order_they_were_appended(self, store: Store) -> None:
        """Oldest first; entries of one instant keep their append order, whatever their ids."""
        _append(
            store,
            _entry("z9", at=START + _MINUTE),
            _entry("b2", at=START),
            _entry("a1", at=START + _MINUTE),
        )
        _append(store, _entry("m5", at=START))
        assert _company_ids(store, "acme") == ["b2", "m5", "z9", "a1"]

    def test_pages_are_stable_while_the_log_grows(self, store: Store) -> None:
        """Walking the pages gives every entry once, and new entries join at the end."""
        _append(store, *(_entry(f"e{n:02}", at=START + (n // 3) * _MINUTE) for n in range(11)))

        def walk() -> list[str]:
            def fetch(offset: int) -> Any:  # noqa: ANN401  (a page of entries)
                query = AuditQuery(offset=offset, limit=4)
                return _read(store, lambda uow: uow.audit.for_company(CompanyId("acme"), query))

            return [entry.id for entry in _all_pages(fetch)]

        before = walk()
        assert before == [f"e{n:02}" for n in range(11)]
        _append(store, _entry("late", at=START + 10 * _MINUTE))
        assert walk() == [*before, "late"]

    def test_for_company_selects_the_company_and_filters(self, store: Store) -> None:
        """Only the company's own entries; ``since`` inclusive, ``until`` exclusive, by instant."""
        berlin = timezone(timedelta(hours=1))
        _append(
            store,
            _entry("c1", at=START),
            _entry("c2", at=START + _MINUTE, aggregate=("location", "l1")),
            _entry("c3", at=START + 2 * _MINUTE, aggregate=("location", "l2")),
            _entry("other", company_id="bolt", at=START),
            _entry("none", company_id=None, at=START),
        )
        assert _company_ids(store, "acme") == ["c1", "c2", "c3"]
        assert _company_ids(store, "bolt") == ["other"]
        assert _company_ids(store, "nowhere") == []
        since = (START + _MINUTE).astimezone(berlin)
        assert _company_ids(store, "acme", AuditQuery(since=since)) == ["c2", "c3"]
        assert _company_ids(store, "acme", AuditQuery(until=since)) == ["c1"]
        assert _company_ids(store, "acme", AuditQuery(aggregate_type="location")) == ["c2", "c3"]
        assert _company_ids(store, "acme", AuditQuery(aggregate_id="l2")) == ["c3"]
        page = _read(
            store, lambda uow: uow.audit.for_company(CompanyId("acme"), AuditQuery(limit=2))
        )
        assert (page.total, page.offset, page.limit, page.next_offset) == (3, 0, 2, 2)

    def test_for_aggregate_gives_one_aggregates_history_across_companies(
        self, store: Store
    ) -> None:
        """An aggregate's history, whatever company each entry names; the arguments win."""
        _append(
            store,
            _entry("a1", aggregate=("customer", "ann"), action="customer.created", before=None),
            _entry("a2", company_id="bolt", at=START + _MINUTE, aggregate=("customer", "ann")),
            _entry("b1", aggregate=("customer", "bob")),
            _entry("c1", aggregate=("contact", "ann")),
        )

        def history(uow: UnitOfWork) -> list[str]:
            query = AuditQuery(aggregate_id="bob", aggregate_type="contact")
            return [e.id for e in uow.audit.for_aggregate("customer", "ann", query).items]

        assert _read(store, history) == ["a1", "a2"]
        created = _read(store, lambda uow: uow.audit.for_aggregate("customer", "ann").items[0])
        assert (created.before, created.after) == (None, {"name": "a1"})
