"""Test support shipped with the library, for its own tests and for yours.

* :mod:`b2b_customers.testing.strategies`: Hypothesis strategies for every entity.

Importing this package needs Hypothesis (the ``test`` extra).
"""
