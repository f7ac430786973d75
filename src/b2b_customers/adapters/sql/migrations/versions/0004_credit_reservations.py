"""Credit as counters plus rows: the credit rule's figures as columns, reservations as rows.

Before this revision an account's open reservations were a map inside its
``data``, rewritten (and copied into every event and audit entry) on each
order, so an order cost more the more orders were open on the line. Now
``credit_accounts`` holds ``credit_limit``, ``balance``, ``reserved`` and
``on_hold`` as columns (booking moves them in one conditional ``UPDATE``),
and each open reservation is a row of ``credit_reservations``.

The upgrade moves every stored account over: its figures into the columns,
its reservations into rows, and ``data`` keeps the terms only. The downgrade
puts them back.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).


def _id() -> sa.String:
    return sa.String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")


def _amount() -> sa.types.TypeEngine[Any]:
    return sa.Numeric().with_variant(sa.Text(), "sqlite")


def _kind(figure: str) -> sa.types.TypeEngine[Any]:
    return sa.Boolean() if figure == "on_hold" else _amount()


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


_TOTALS = ("balance", "reserved", "last_sequence")
_FIGURES = ("credit_limit", "balance", "reserved", "on_hold")


def _tables() -> tuple[sa.TableClause, sa.TableClause]:
    """The two tables as this revision knows them, in the tenant's schema."""
    return _accounts_in(_schema()), _reservations_in(_schema())


def _accounts_in(schema: str | None) -> sa.TableClause:
    return sa.table(
        "credit_accounts",
        sa.column("id", _id()),
        sa.column("data", _data()),
        sa.column("last_sequence", sa.Integer()),
        sa.column("credit_limit", _amount()),
        sa.column("balance", _amount()),
        sa.column("reserved", _amount()),
        sa.column("on_hold", sa.Boolean()),
        schema=schema,
    )


def _reservations_in(schema: str | None) -> sa.TableClause:
    return sa.table(
        "credit_reservations",
        sa.column("account_id", _id()),
        sa.column("reference", _id()),
        sa.column("amount", _amount()),
        schema=schema,
    )


def _loaded(data: Any) -> dict[str, Any]:  # noqa: ANN401  (JSON as the driver returns it)
    return json.loads(data) if isinstance(data, str | bytes) else dict(data)


def _schema() -> str | None:
    """The tenant's schema: ``ALTER TABLE`` is not mapped by ``schema_translate_map``."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def _stored(value: Decimal, *, sqlite: bool) -> Decimal | str:
    return str(value) if sqlite else value


def upgrade() -> None:
    """Add the figure columns and the reservations table, and move every account over."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    _accounts, _reservations = _tables()
    op.create_table(
        "credit_reservations",
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("reference", _id(), nullable=False),
        sa.Column("amount", _amount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["credit_accounts.id"],
            name="fk_credit_reservations_account_id_credit_accounts",
        ),
        sa.PrimaryKeyConstraint("account_id", "reference", name="pk_credit_reservations"),
        schema=_schema(),
    )
    # NOT NULL with a placeholder default (SQLite adds such a column without
    # re-creating the table), overwritten below for every account.
    for name in _FIGURES:
        placeholder = sa.false() if name == "on_hold" else sa.text("'0'")
        column = sa.Column(name, _kind(name), nullable=False, server_default=placeholder)
        op.add_column("credit_accounts", column, schema=_schema())
    rows = bind.execute(sa.select(_accounts.c.id, _accounts.c.data)).all()
    for account_id, raw in rows:
        data = _loaded(raw)
        reservations = data.pop("reservations", None) or {}
        figures = {
            "credit_limit": _stored(Decimal(data["credit_limit"]["amount"]), sqlite=sqlite),
            "balance": _stored(Decimal(data["balance"]["amount"]), sqlite=sqlite),
            "reserved": _stored(Decimal(data["reserved"]["amount"]), sqlite=sqlite),
            "on_hold": data.get("hold") is not None,
        }
        for name in _TOTALS:
            data.pop(name, None)
        bind.execute(
            sa.update(_accounts).where(_accounts.c.id == account_id).values(data=data, **figures)
        )
        if reservations:
            bind.execute(
                sa.insert(_reservations),
                [
                    {
                        "account_id": account_id,
                        "reference": reference,
                        "amount": _stored(Decimal(amount["amount"]), sqlite=sqlite),
                    }
                    for reference, amount in sorted(reservations.items())
                ],
            )
    if not sqlite:
        for name in _FIGURES:
            op.alter_column("credit_accounts", name, server_default=None, schema=_schema())


def downgrade() -> None:
    """Put the figures and the open reservations back into each account's ``data``."""
    bind = op.get_bind()
    _accounts, _reservations = _tables()
    if bind.dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")
    accounts = bind.execute(
        sa.select(
            _accounts.c.id,
            _accounts.c.data,
            _accounts.c.balance,
            _accounts.c.reserved,
            _accounts.c.last_sequence,
        )
    ).all()
    held: dict[str, dict[str, Any]] = {}
    for account_id, reference, amount in bind.execute(
        sa.select(_reservations.c.account_id, _reservations.c.reference, _reservations.c.amount)
    ):
        held.setdefault(account_id, {})[reference] = amount
    for account_id, raw, balance, reserved, last_sequence in accounts:
        data = _loaded(raw)
        currency = data["currency"]
        data["balance"] = {"amount": str(balance), "currency": currency}
        data["reserved"] = {"amount": str(reserved), "currency": currency}
        data["last_sequence"] = last_sequence
        data["reservations"] = {
            reference: {"amount": str(amount), "currency": currency}
            for reference, amount in sorted(held.get(account_id, {}).items())
        }
        bind.execute(sa.update(_accounts).where(_accounts.c.id == account_id).values(data=data))
    op.drop_table("credit_reservations", schema=_schema())
    with op.batch_alter_table("credit_accounts", schema=_schema()) as batch:
        for name in _FIGURES:
            batch.drop_column(name)
