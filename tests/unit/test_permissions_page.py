"""The permissions page shows exactly the matrix the code enforces."""

from __future__ import annotations

import pathlib

from b2b_customers.domain import Role
from b2b_customers.services.authorization import ROLE_PERMISSIONS, Permission, StaffRole

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_the_permissions_page_matches_the_matrix() -> None:
    columns = [*Role, *StaffRole]
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("| action |"))
    assert [cell.strip() for cell in header.strip("|").split("|")][1:] == [c.value for c in columns]
    for permission in Permission:
        label = permission.value.replace("_", " ")
        row = next(line for line in lines if line.startswith(f"| {label} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
        marked = {column for column, cell in zip(columns, cells, strict=True) if cell == "✓"}
        assert marked == {column for column in columns if permission in ROLE_PERMISSIONS[column]}, (
            label
        )
