"""Test support shipped with the library, for its own tests and for yours.

* :mod:`b2b_customers.testing.strategies`: Hypothesis strategies for every entity.
* :mod:`b2b_customers.testing.contract`: the repository contract suite that
  every store (memory, SQL, an ERP adapter) passes; subclass
  :class:`~b2b_customers.testing.contract.StoreContract` to run it.
* :mod:`b2b_customers.testing.faults`: a store wrapper that fails the k-th
  write, to prove that a failed call leaves nothing behind.
* :mod:`b2b_customers.testing.snapshot`: everything a store holds, as plain
  data, to compare before and after.

Its modules need Hypothesis, and the contract suite pytest (the ``test`` extra).
"""
