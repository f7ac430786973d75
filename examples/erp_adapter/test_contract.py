"""The library's contract suite, run against the JSON export store.

This is all an ERP adapter needs to prove itself: subclass ``StoreContract``
and say how to make an empty store. pytest then runs every test of the suite
(some 280, with property-based ones) against it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from b2b_customers.testing.contract import StoreContract
from json_erp import JsonErpStore

if TYPE_CHECKING:
    from pathlib import Path

    from b2b_customers.ports import Clock, Store

__all__ = ["TestJsonErpStore"]


class TestJsonErpStore(StoreContract):
    """Every test of the contract suite, each on a fresh export directory."""

    property_examples = 100

    @pytest.fixture(autouse=True)
    def _export_root(self, tmp_path: Path) -> None:
        self._root = tmp_path

    def make_store(self, clock: Clock) -> Store:
        """Return an empty store in a directory of its own (mypy checks it is a ``Store``)."""
        # fsync per file slows the suite and changes nothing it can observe.
        return JsonErpStore(self._root / uuid.uuid4().hex, clock=clock, durable=False)
