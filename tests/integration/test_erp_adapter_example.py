"""The worked ERP adapter of examples/erp_adapter/ keeps the contract, and keeps its files.

``TestJsonErpStore`` (imported from the example) runs the whole shipped
contract suite against it; the tests below check what the suite cannot see:
the JSON files themselves.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2b_customers.clock import ManualClock
from b2b_customers.domain import Company, Customer, DomainEvent
from b2b_customers.errors import ConflictError, StorageError
from b2b_customers.ids import CompanyId, CustomerId, EventId
from b2b_customers.ports import OutboxEntry
from b2b_customers.testing import strategies as st_b2b
from json_erp import JsonErpStore
from json_erp.audit import AuditRow
from json_erp.export import ExportDirectory
from json_erp.kinds import ALL_KINDS, AUDIT_LOG, COMPANIES, CUSTOMERS, OUTBOX
from test_contract import TestJsonErpStore
from tests.budget import examples

__all__ = ["TestJsonErpStore"]

ROOT = pathlib.Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _store(directory: pathlib.Path, lock_timeout: float = 10.0) -> JsonErpStore:
    return JsonErpStore(directory, clock=ManualClock(START), lock_timeout=lock_timeout)


def _files(directory: pathlib.Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and inode: ``os.replace`` gives a rewritten file a new inode."""
    return {path.name: (path.read_bytes(), path.stat().st_ino) for path in directory.iterdir()}


def _acme(store: JsonErpStore) -> None:
    with store.unit_of_work() as uow:
        uow.companies.add(Company(id=CompanyId("acme"), name="ACME", currency="EUR"))
        uow.customers.add(
            Customer(id=CustomerId("ann"), email="ann@acme.example", first_name="A", last_name="N")
        )
        uow.commit()


class TestTheExportFiles:
    def test_a_reopened_store_reads_back_every_committed_row(self, tmp_path):
        store = _store(tmp_path)
        _acme(store)
        with store.unit_of_work() as uow:
            uow.record(
                DomainEvent(
                    id=EventId("e1"),
                    name="company.created",
                    aggregate_type="company",
                    aggregate_id="acme",
                    occurred_at=START,
                )
            )
            uow.commit()
        reopened = _store(tmp_path)
        for kind in ALL_KINDS:
            assert reopened.committed(kind) == store.committed(kind), kind.name
        assert reopened.committed(COMPANIES)["acme"].version == 1

    def test_rows_of_every_kind_survive_the_files_unchanged(self, tmp_path):
        kinds = {
            "companies": st_b2b.companies(),
            "customers": st_b2b.customers(),
            "orders": st_b2b.order_records(),
            "credit_accounts": st_b2b.credit_accounts(),
            "ledger_entries": st_b2b.ledger_entries(),
            "approval_requests": st_b2b.approval_requests(),
            "approval_policies": st_b2b.approval_policies(),
        }
        by_name = {kind.name: kind for kind in ALL_KINDS}

        @settings(max_examples=examples(25), deadline=None)
        @given(
            st.sampled_from(sorted(kinds)).flatmap(
                lambda name: st.tuples(st.just(name), st.lists(kinds[name], max_size=3))
            )
        )
        def check(drawn):
            name, rows = drawn
            kind = by_name[name]
            export = ExportDirectory(tmp_path / "rows", durable=False)
            written = {kind.key(row): row for row in rows}
            export.write({kind: written})
            assert export.load([kind])[name] == written

        check()

    def test_events_with_any_payload_survive_the_files_unchanged(self, tmp_path):
        @settings(max_examples=examples(25), deadline=None)
        @given(st.lists(st_b2b.domain_events(), max_size=4, unique_by=lambda event: event.id))
        def check(events):
            export = ExportDirectory(tmp_path / "events", durable=False)
            entries = {
                event.id: OutboxEntry(position=number, event=event)
                for number, event in enumerate(events, start=1)
            }
            export.write({OUTBOX: entries})
            assert export.load([OUTBOX])["outbox"] == entries

        check()

    def test_audit_entries_and_their_positions_survive_the_files_unchanged(self, tmp_path):
        @settings(max_examples=examples(25), deadline=None)
        @given(st.lists(st_b2b.audit_log_entries(), max_size=4, unique_by=lambda entry: entry.id))
        def check(entries):
            export = ExportDirectory(tmp_path / "audit", durable=False)
            rows = {
                entry.id: AuditRow(position=number, entry=entry)
                for number, entry in enumerate(entries, start=1)
            }
            export.write({AUDIT_LOG: rows})
            assert export.load([AUDIT_LOG])["audit_log"] == rows

        check()

    def test_a_unit_of_work_that_does_not_commit_leaves_the_files_untouched(self, tmp_path):
        store = _store(tmp_path)
        _acme(store)
        before = _files(tmp_path)
        with store.unit_of_work() as uow:
            acme = uow.companies.get(CompanyId("acme"))
            uow.companies.save(attrs.evolve(acme, name="Renamed"))
            uow.companies.add(Company(id=CompanyId("bolt"), name="Bolt", currency="EUR"))
        assert _files(tmp_path) == before

    def test_a_commit_rewrites_only_the_files_of_the_kinds_it_changed(self, tmp_path):
        store = _store(tmp_path)
        _acme(store)
        before = _files(tmp_path)
        with store.unit_of_work() as uow:
            ann = uow.customers.get(CustomerId("ann"))
            uow.customers.save(attrs.evolve(ann, first_name="Anna"))
            uow.commit()
        after = _files(tmp_path)
        assert after["companies.json"] == before["companies.json"]
        assert after["customers.json"] != before["customers.json"]
        assert b'"Anna"' in after["customers.json"][0]

    def test_no_temporary_file_is_left_behind(self, tmp_path):
        store = _store(tmp_path)
        _acme(store)
        assert sorted(path.name for path in tmp_path.iterdir()) == [
            "companies.json",
            "customers.json",
        ]

    def test_a_failed_write_commits_nothing_and_leaves_the_old_files(self, tmp_path, monkeypatch):
        store = _store(tmp_path)
        _acme(store)
        before = _files(tmp_path)

        def refuse(*_args):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(pathlib.Path, "replace", refuse)
        with store.unit_of_work() as uow:
            uow.companies.add(Company(id=CompanyId("bolt"), name="Bolt", currency="EUR"))
            with pytest.raises(StorageError, match="No space left"):
                uow.commit()
        monkeypatch.undo()
        assert _files(tmp_path) == before
        assert "bolt" not in store.committed(COMPANIES)

    def test_a_file_that_is_not_rows_of_its_kind_raises_storage_error_naming_it(self, tmp_path):
        (tmp_path / "customers.json").write_text('[{"id": "ann"}]', encoding="utf-8")
        with pytest.raises(StorageError, match=r"customers\.json"):
            _store(tmp_path)
        (tmp_path / "customers.json").write_text('{"not": "a list"}', encoding="utf-8")
        with pytest.raises(StorageError, match="JSON list"):
            _store(tmp_path)

    def test_a_second_writer_gives_up_after_the_lock_timeout(self, tmp_path):
        store = _store(tmp_path, lock_timeout=0.05)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.companies.add(Company(id=CompanyId("acme"), name="ACME", currency="EUR"))
            with pytest.raises(ConflictError, match="another unit of work"):
                second.companies.add(Company(id=CompanyId("bolt"), name="Bolt", currency="EUR"))
            first.commit()
            second.rollback()  # the failed write ended the unit of work; start it afresh
            second.companies.add(Company(id=CompanyId("bolt"), name="Bolt", currency="EUR"))
            second.commit()
        assert sorted(_store(tmp_path).committed(CUSTOMERS)) == []
        assert sorted(_store(tmp_path).committed(COMPANIES)) == ["acme", "bolt"]


def test_the_demo_runs_twice_on_one_export(tmp_path):
    demo = ROOT / "examples" / "erp_adapter" / "demo.py"
    outputs = []
    for _ in range(2):
        result = subprocess.run(  # noqa: S603  (our own script)
            [sys.executable, str(demo), str(tmp_path / "export")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "Wrote ACME GmbH" in outputs[0]
    assert "Wrote" not in outputs[1]
    for output in outputs:
        assert "orders.json: 1 row(s)" in output
        assert "Approval required" in output
