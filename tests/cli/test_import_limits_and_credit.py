"""``import limits`` and ``import credit``: through app.limits and app.credit, checked first."""

from __future__ import annotations

from decimal import Decimal

import attrs
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.credit import NET_30
from b2b_customers.ids import CompanyId
from b2b_customers.limits.rules import BudgetLimit, OnExceed, OrderTotalLimit, ScopeKind

from .conftest import EXAMPLES, import_examples, snapshot
from .test_import import write

LIMITS = "company_id,scope,target,include_subtree,period,maximum,currency,on_exceed,name\n"
CREDIT = "company_id,credit_limit,payment_terms,shared_with,auto_hold_after_days\n"


class TestLimits:
    def test_the_example_limits_are_set_with_events(self, cli, shop):
        import_examples(cli, shop)
        result = cli("import", "limits", EXAMPLES / "limits.csv", "--url", shop)
        assert result.code == 0, result.err
        assert "Imported 3 limits" in result.out
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            north = uow.limits.set_on([CompanyId("acme-north")])
            group = uow.limits.set_on([CompanyId("globex")])
            events = [entry.event.name for entry in uow.outbox.pending(limit=100)]
        assert [limit.rule for limit in north] == [
            OrderTotalLimit(maximum=Money(Decimal(5000), "EUR"))
        ]
        assert north[0].name == "North's per-order limit"
        assert isinstance(group[0].rule, BudgetLimit)
        assert group[0].scope.include_subtree
        assert events.count("limit.set") == 3

    def test_rolling_days_roles_and_deny(self, cli, shop, tmp_path):
        import_examples(cli, shop)
        path = write(tmp_path, LIMITS + "acme-south,role,requester,,30 days,800,EUR,deny,\n")
        assert cli("import", "limits", path, "--url", shop).code == 0
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            (limit,) = uow.limits.set_on([CompanyId("acme-south")])
        assert limit.scope.kind is ScopeKind.ROLE
        assert limit.on_exceed is OnExceed.DENY
        assert isinstance(limit.rule, BudgetLimit)

    def test_every_bad_row_is_reported_and_nothing_is_set(self, cli, shop, tmp_path):
        import_examples(cli, shop)
        path = write(
            tmp_path,
            LIMITS
            + "acme,company,,,fortnight,100,,,\n"  # line 2: period
            + "acme,company,,,order,-5,,,\n"  # line 3: maximum
            + "nowhere,company,,,order,5,,,\n"  # line 4: company
            + "acme,company,,,order,5,USD,,\n"  # line 5: currency
            + "acme,planet,,,order,5,,,\n"  # line 6: scope
            + "acme,company,,,order,5,,maybe,\n",  # line 7: on_exceed
        )
        before = snapshot(shop)
        result = cli("import", "limits", path, "--url", shop)
        assert result.code == 1
        for line, column in [
            (2, "period"),
            (3, "maximum"),
            (4, "company_id"),
            (5, "currency"),
            (6, "scope"),
            (7, "on_exceed"),
        ]:
            assert f"line {line}, column {column}:" in result.err
        assert snapshot(shop) == before


class TestCredit:
    def test_the_example_accounts_are_opened_with_their_terms(self, cli, shop):
        import_examples(cli, shop)
        result = cli("import", "credit", EXAMPLES / "credit.csv", "--url", shop)
        assert result.code == 0, result.err
        assert "Imported 2 credit accounts" in result.out
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            shared = uow.credit.for_company(CompanyId("acme-north"))
            globex = uow.credit.for_company(CompanyId("globex"))
        assert shared.company_id == "acme"
        assert shared.credit_limit == Money(Decimal(100000), "EUR")
        assert shared.auto_hold_after_days == 30
        assert globex.payment_terms == "NET60"

    def test_unknown_terms_companies_and_existing_accounts_are_reported(self, cli, shop, tmp_path):
        import_examples(cli, shop)
        assert cli("import", "credit", EXAMPLES / "credit.csv", "--url", shop).code == 0
        path = write(
            tmp_path,
            CREDIT
            + "acme-south,100,NET31,,\n"  # line 2: terms
            + "globex,100,NET30,,\n"  # line 3: has an account
            + "nowhere,100,,,\n"  # line 4: company
            + "acme-south,lots,,,\n",  # line 5: amount
        )
        result = cli("import", "credit", path, "--url", shop)
        assert result.code == 1
        assert "line 2, column payment_terms: unknown payment terms 'NET31'" in result.err
        assert "line 3, column company_id: company 'globex' draws on credit account" in result.err
        assert "line 4, column company_id: no company 'nowhere'" in result.err
        assert "line 5, column credit_limit" in result.err

    def test_accounts_may_name_the_terms_the_seller_stored(self, cli, shop, tmp_path):
        import_examples(cli, shop)
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            uow.payment_terms.add(attrs.evolve(NET_30, code="OWN-45", name="Our own"))
            uow.commit()
        path = write(tmp_path, CREDIT + "acme-south,100,own_45,,\n")
        result = cli("import", "credit", path, "--url", shop)
        assert result.code == 0, result.err
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            assert uow.credit.for_company(CompanyId("acme-south")).payment_terms == "OWN-45"
