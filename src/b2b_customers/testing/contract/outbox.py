"""The contract of the outbox: recorded events and their publication."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.ids import CompanyId, EventId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import ContractBase, _company, _event, _read

if TYPE_CHECKING:
    from b2b_customers.domain import DomainEvent
    from b2b_customers.ports import Store

__all__ = ["OutboxContract"]


class OutboxContract(ContractBase):
    """The outbox: recorded events and their publication."""

    # -- outbox

    def test_recorded_events_are_stored_with_the_commit_in_order(self, store: Store) -> None:
        """Committed events wait in the outbox in commit order, positions increasing."""
        with store.unit_of_work() as uow:
            uow.companies.add(_company("acme"))
            uow.record(_event("e1"))
            uow.record(_event("e2"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.record(_event("e3"))
            uow.commit()
        pending = _read(store, lambda uow: uow.outbox.pending())
        assert [entry.event for entry in pending] == [_event("e1"), _event("e2"), _event("e3")]
        positions = [entry.position for entry in pending]
        assert positions == sorted(set(positions))
        assert all(entry.published_at is None for entry in pending)

    def test_a_stored_event_keeps_every_field(self) -> None:
        """Whatever a valid event holds comes back from the outbox unchanged."""

        @self._property()
        @given(st.lists(st_b2b.domain_events(), max_size=3, unique_by=lambda event: event.id))
        def check(events: list[DomainEvent]) -> None:
            with self._fresh_store() as (store, _clock):
                with store.unit_of_work() as uow:
                    for event in events:
                        uow.record(event)
                    uow.commit()
                pending = _read(store, lambda uow: uow.outbox.pending())
                assert [entry.event for entry in pending] == events

        check()

    def test_events_of_a_unit_of_work_that_does_not_commit_are_dropped(self, store: Store) -> None:
        """Leaving the block, an exception and ``rollback`` all drop recorded events."""
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))

        def fail_after_recording() -> None:
            with store.unit_of_work() as uow:
                uow.record(_event("e2"))
                uow.companies.get(CompanyId("nowhere"))

        with pytest.raises(LookupError):
            fail_after_recording()
        with store.unit_of_work() as uow:
            uow.record(_event("e3"))
            uow.rollback()
            uow.record(_event("e4"))
            uow.commit()
        pending = _read(store, lambda uow: uow.outbox.pending())
        assert [entry.event.id for entry in pending] == ["e4"]

    def test_pending_returns_at_most_limit_oldest_first(self, store: Store) -> None:
        """``pending`` pages from the oldest unpublished event."""
        with store.unit_of_work() as uow:
            for number in range(5):
                uow.record(_event(f"e{number}"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.event.id for e in uow.outbox.pending(limit=2)] == ["e0", "e1"]
            assert len(uow.outbox.pending()) == 5

    def test_published_events_are_no_longer_pending(self, store: Store) -> None:
        """``mark_published`` takes events out of ``pending``; unknown ids are ignored."""
        with store.unit_of_work() as uow:
            for number in range(4):
                uow.record(_event(f"e{number}"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.mark_published([EventId("e0"), EventId("e2"), EventId("unknown")])
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.event.id for e in uow.outbox.pending()] == ["e1", "e3"]
            uow.outbox.mark_published([EventId("e1"), EventId("e1")])
            uow.commit()
        assert [e.event.id for e in _read(store, lambda uow: uow.outbox.pending())] == ["e3"]

    def test_marks_of_a_unit_of_work_that_does_not_commit_are_dropped(self, store: Store) -> None:
        """Marking events published is part of the unit of work."""
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.mark_published([EventId("e1")])
        assert [e.event.id for e in _read(store, lambda uow: uow.outbox.pending())] == ["e1"]

    def test_committed_events_are_those_of_the_last_commit(self, store: Store) -> None:
        """``committed_events`` hands the last commit's events to in-process handlers."""
        with store.unit_of_work() as uow:
            assert uow.committed_events == []
            uow.record(_event("e1"))
            uow.record(_event("e2"))
            assert uow.committed_events == []
            uow.commit()
            assert uow.committed_events == [_event("e1"), _event("e2")]
            uow.record(_event("e3"))
            uow.commit()
            assert uow.committed_events == [_event("e3")]
            uow.commit()
            assert uow.committed_events == []
