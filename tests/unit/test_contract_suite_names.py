"""The contract suite's parts are mixed into one class: a test name used twice would hide one."""

from __future__ import annotations

from collections import Counter

from b2b_customers.testing.contract import StoreContract


def test_no_two_parts_of_the_contract_suite_share_a_test_name():
    names = Counter(
        name
        for part in StoreContract.__mro__[1:]
        for name in vars(part)
        if name.startswith("test_")
    )
    assert [name for name, count in names.items() if count > 1] == []
