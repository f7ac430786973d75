"""A store failure at any write of a service call leaves every repository as it was.

For each scenario of `tests.services.world.SCENARIOS` and each write
position k the call makes (every repository write, every recorded event, the
commit), a `FailingStore` fails the k-th
write; the call must raise that fault and `snapshot` must be unchanged.
Then the call runs once more without a fault, which proves both that it makes
at least one write and that k has reached past the last. On all three stores.
"""

from __future__ import annotations

import pytest

from b2b_customers import connect
from b2b_customers.app import App
from b2b_customers.testing.faults import REPOSITORIES, FailingStore, InjectedFault
from b2b_customers.testing.snapshot import READERS, snapshot
from tests.services.world import (
    READ_ONLY,
    READ_SCENARIOS,
    REP,
    SCENARIOS,
    Scenario,
    World,
    seed,
    service_methods,
)

_MOST_WRITES = 50
"""No service call makes this many writes; more means the fault never fires."""


def failing_app(app: App, fail_at: int | None = None) -> tuple[App, FailingStore]:
    faults = FailingStore(app.store, fail_at=fail_at)
    return App(faults), faults


def attempt(
    app: App, world: World, scenario: Scenario, fail_at: int
) -> tuple[FailingStore, InjectedFault | None]:
    broken, faults = failing_app(app, fail_at)
    try:
        scenario.call(broken, world)
    except InjectedFault as fault:
        return faults, fault
    return faults, None


@pytest.mark.slow  # every write of every service method, failed in turn: ~20 s in all
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.method)
def test_a_failure_at_any_write_leaves_the_store_unchanged(app: App, scenario: Scenario) -> None:
    world = seed(app)
    if scenario.prepare is not None:
        scenario.prepare(app, world)
    before = snapshot(app.store)
    for fail_at in range(1, _MOST_WRITES):
        faults, fault = attempt(app, world, scenario, fail_at)
        if fault is None:
            break
        assert fault is faults.injected
        assert fault.position == fail_at
        assert snapshot(app.store) == before, f"write {fail_at} ({fault.write}) left changes"
    else:
        pytest.fail(f"{scenario.method} still wrote after {_MOST_WRITES} writes")
    # The call went through once the fault came after its last write.
    assert faults.injected is None
    assert len(faults.writes) == fail_at - 1, faults.writes
    assert fail_at > 1, f"{scenario.method} made no write: the test would prove nothing"
    assert faults.writes[-1] == "commit"
    assert snapshot(app.store) != before


@pytest.mark.slow  # every read of every service method, watched for writes
@pytest.mark.parametrize("scenario", READ_SCENARIOS, ids=lambda s: s.method)
def test_a_read_makes_no_write(app: App, scenario: Scenario) -> None:
    world = seed(app)
    if scenario.prepare is not None:
        scenario.prepare(app, world)
    before = snapshot(app.store)
    broken, faults = failing_app(app, fail_at=1)
    scenario.call(broken, world)
    assert faults.writes == []
    assert snapshot(app.store) == before


def test_counting_lists_every_write_of_a_call() -> None:
    app, faults = failing_app(connect("memory://"))
    app.companies.onboard(actor=REP, name="ACME", currency="EUR")
    assert faults.writes == ["companies.add", "groups.add", "record", "audit.append", "commit"]


def test_every_service_method_that_writes_has_a_scenario() -> None:
    covered = {scenario.method for scenario in SCENARIOS} | READ_ONLY
    assert {scenario.method for scenario in READ_SCENARIOS} == READ_ONLY
    assert set(service_methods()) - covered == set()


def test_the_snapshot_reads_every_repository_of_the_unit_of_work() -> None:
    # A repository added to the port without a reader would escape every check here.
    assert set(READERS) == set(REPOSITORIES)
