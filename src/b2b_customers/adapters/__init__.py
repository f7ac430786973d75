"""Stores that keep the library's data: implementations of [`b2b_customers.ports`][].

* [`b2b_customers.adapters.memory`][]: dicts behind a lock, for tests,
  notebooks and demos. Needs nothing beyond the library itself.
* ``b2b_customers.adapters.sql``: SQLite and PostgreSQL through SQLAlchemy
  Core (the ``sql`` and ``postgres`` extras).

Every adapter keeps the same contract and raises the same exceptions;
[`b2b_customers.testing.contract`][] is the test suite that proves it.
"""
