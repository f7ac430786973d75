"""Test configuration: Hypothesis profiles and the database URLs.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (the default under ``CI=true``:
more examples, derandomised), ``dev`` (the default) and ``fast``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# The shipped contract suite asserts; let pytest explain its failures in detail.
pytest.register_assert_rewrite("b2b_customers.testing.contract")

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("fast", max_examples=10, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)
