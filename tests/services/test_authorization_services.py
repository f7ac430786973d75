"""The services keep the permission policy, whoever acts and whatever the company tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from b2b_customers.domain import CompanyStatus
from b2b_customers.errors import PermissionDenied
from b2b_customers.testing.snapshot import snapshot
from tests.services.world import CONTROLLER, GLOBEX, seed

if TYPE_CHECKING:
    from b2b_customers.app import App


def test_only_who_may_hold_a_company_lifts_its_hold(app: App) -> None:
    world = seed(app)
    before = snapshot(app.store)
    with pytest.raises(PermissionDenied, match="hold company"):
        app.companies.activate(actor=world.carl, company_id=GLOBEX)
    with pytest.raises(PermissionDenied, match="hold company"):
        app.companies.deactivate(actor=world.carl, company_id=GLOBEX)
    assert snapshot(app.store) == before
    assert app.companies.activate(actor=CONTROLLER, company_id=GLOBEX).status is (
        CompanyStatus.ACTIVE
    )
