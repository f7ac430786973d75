"""Id generators: predictable ones for tests, random ones for production, both unique."""

from __future__ import annotations

import re
import threading

from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import Company
from b2b_customers.ids import MAX_ID_LENGTH, CompanyId, RandomIds, SequentialIds


class TestSequentialIds:
    """SequentialIds counts up from a start, with a prefix."""

    def test_counts_up_from_one_with_the_default_prefix(self) -> None:
        next_id = SequentialIds()
        assert [next_id(), next_id(), next_id()] == ["id-1", "id-2", "id-3"]

    @given(st.text(max_size=10), st.integers(0, 10**6))
    def test_uses_the_prefix_and_start_given(self, prefix: str, start: int) -> None:
        next_id = SequentialIds(prefix, start=start)
        assert next_id() == f"{prefix}{start}"
        assert next_id() == f"{prefix}{start + 1}"

    def test_generators_count_independently(self) -> None:
        first, second = SequentialIds("a-"), SequentialIds("a-")
        first()
        assert second() == "a-1"

    def test_hands_out_each_id_once_across_threads(self) -> None:
        next_id = SequentialIds("t-")
        threads_count, per_thread = 8, 500
        minted: list[list[str]] = [[] for _ in range(threads_count)]
        barrier = threading.Barrier(threads_count)

        def mint(bucket: list[str]) -> None:
            barrier.wait()
            bucket.extend(next_id() for _ in range(per_thread))

        threads = [threading.Thread(target=mint, args=(bucket,)) for bucket in minted]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        every = [identifier for bucket in minted for identifier in bucket]
        assert len(every) == threads_count * per_thread
        assert set(every) == {f"t-{n}" for n in range(1, threads_count * per_thread + 1)}

    def test_ids_are_valid_entity_ids(self) -> None:
        next_id = SequentialIds("acme-")
        assert Company(id=CompanyId(next_id()), name="ACME", currency="EUR").id == "acme-1"


class TestRandomIds:
    """RandomIds mints 32 hex digits that do not repeat."""

    def test_mints_32_hex_digits(self) -> None:
        assert re.fullmatch(r"[0-9a-f]{32}", RandomIds()())

    def test_never_repeats(self) -> None:
        next_id = RandomIds()
        minted = [next_id() for _ in range(5000)]
        assert len(set(minted)) == len(minted)

    def test_ids_fit_the_id_limit_and_are_valid_entity_ids(self) -> None:
        identifier = RandomIds()()
        assert len(identifier) <= MAX_ID_LENGTH
        assert Company(id=CompanyId(identifier), name="ACME", currency="EUR").id == identifier
