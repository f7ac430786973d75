"""The contract of companies: add, save, get, add_many, search and the tree."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers import queries
from b2b_customers.domain import MAX_DEPTH, Company, CompanyStatus, LegalInfo
from b2b_customers.errors import (
    AlreadyExists,
    HierarchyError,
    NotFound,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ids import CompanyId
from b2b_customers.ports import CompanyQuery, CompanySort, Store, UnitOfWork
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    _SIMPLE_ID,
    _TICK,
    START,
    ContractBase,
    _all_pages,
    _changed,
    _commit,
    _company,
    _company_order,
    _forests,
    _ids,
    _model_ancestors,
    _model_children,
    _model_descendants,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock

__all__ = ["CompanyContract"]


class CompanyContract(ContractBase):
    """Companies: add, save, get, add_many, search and the tree."""

    # -- companies: add, save, get

    def test_adding_a_company_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the company at version 1, created and updated now."""
        company = _company("acme", account_number="A-1")
        stored = _commit(store, lambda uow: uow.companies.add(company))
        assert stored == _stamped(company, 1, START, START)
        assert _read(store, lambda uow: uow.companies.get(company.id)) == stored

    def test_adding_ignores_the_version_and_times_of_the_copy(self, store: Store) -> None:
        """``add`` stamps version 1 and the clock time, whatever the copy carried."""
        earlier = START - timedelta(days=30)
        company = _stamped(_company("acme"), 7, earlier, earlier)
        stored = _commit(store, lambda uow: uow.companies.add(company))
        assert (stored.version, stored.created_at, stored.updated_at) == (1, START, START)

    def test_saving_a_company_increments_the_version_and_stamps_updated_at(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at`` and the same ``created_at``."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        later = clock.advance(timedelta(hours=2))
        renamed = attrs.evolve(stored, name="ACME Group")
        saved = _commit(store, lambda uow: uow.companies.save(renamed))
        assert saved == _stamped(renamed, 2, START, later)
        assert _read(store, lambda uow: uow.companies.get(stored.id)) == saved
        again = _commit(store, lambda uow: uow.companies.save(attrs.evolve(saved, name="Again")))
        assert again.version == 3

    def test_saving_keeps_the_stored_created_at(self, store: Store, clock: ManualClock) -> None:
        """``created_at`` says when the company was first stored; a copy cannot change it."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        clock.advance(timedelta(minutes=5))
        tampered = attrs.evolve(stored, created_at=START + timedelta(days=9))
        saved = _commit(store, lambda uow: uow.companies.save(tampered))
        assert saved.created_at == START
        assert _read(store, lambda uow: uow.companies.get(stored.id)).created_at == START

    def test_a_stored_company_keeps_every_field(self) -> None:
        """Whatever a valid company holds comes back unchanged (but for the stamps)."""

        @self._property()
        @given(st_b2b.companies(parent_id=None, bill_to_id=None, master_id=None))
        def check(company: Company) -> None:
            with self._fresh_store() as (store, _clock):
                stored = _commit(store, lambda uow: uow.companies.add(company))
                assert stored == _stamped(company, 1, START, START)
                assert _read(store, lambda uow: uow.companies.get(company.id)) == stored

        check()

    def test_getting_an_unknown_company_raises_not_found(self, store: Store) -> None:
        """``get`` of an id never stored raises ``NotFound``."""
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.companies.get(CompanyId("nobody"))

    def test_adding_a_company_with_a_taken_id_raises_already_exists(self, store: Store) -> None:
        """Ids are unique, whether the holder is committed or added in the same unit of work."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        _refused(
            store, AlreadyExists, lambda uow: uow.companies.add(_company("acme", name="Other"))
        )
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("bolt", name="Other"))
        assert _read(store, lambda uow: uow.companies.get(CompanyId("acme"))).name == "company acme"
        assert _read(store, lambda uow: uow.companies.get_many([CompanyId("bolt")])) == []

    def test_adding_a_company_with_a_taken_account_number_raises_already_exists(
        self, store: Store
    ) -> None:
        """Account numbers are unique among companies."""
        _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.companies.add(_company("bolt", account_number="A-1")),
        )
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt", account_number="A-2"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("cato", account_number="A-2"))
        everything = _read(
            store, lambda uow: uow.companies.search(CompanyQuery(sort=CompanySort.ID))
        )
        assert _ids(everything) == ["acme"]

    def test_adding_a_company_under_a_missing_parent_raises_hierarchy_error(
        self, store: Store
    ) -> None:
        """A subsidiary's parent must exist."""
        with store.unit_of_work() as uow, pytest.raises(HierarchyError):
            uow.companies.add(_company("kiel", parent_id="nowhere"))

    @pytest.mark.parametrize("reference", ["bill_to_id", "master_id"])
    def test_adding_a_company_naming_a_missing_company_raises_validation_error(
        self, store: Store, reference: str
    ) -> None:
        """The bill-to and master companies must exist."""
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.companies.add(_company("kiel", **{reference: CompanyId("nowhere")}))

    def test_a_company_may_name_stored_bill_to_and_master_companies(self, store: Store) -> None:
        """References to stored companies are accepted, also ones added in the same unit."""

        def add(uow: UnitOfWork) -> Company:
            uow.companies.add(_company("payer"))
            uow.companies.add(_company("master"))
            return uow.companies.add(_company("kiel", bill_to_id="payer", master_id="master"))

        stored = _commit(store, add)
        assert (stored.bill_to_id, stored.master_id) == ("payer", "master")

    def test_saving_an_unknown_company_raises_not_found(self, store: Store) -> None:
        """``save`` of an id never stored raises ``NotFound`` and stores nothing."""
        ghost = _stamped(_company("ghost"), 1, START, START)
        _refused(store, NotFound, lambda uow: uow.companies.save(ghost))
        assert _read(store, lambda uow: uow.companies.get_many([ghost.id])) == []

    def test_saving_a_stale_copy_raises_stale_version_and_changes_nothing(
        self, store: Store
    ) -> None:
        """A copy whose version is not the stored one is refused; the stored one stays."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        saved = _commit(store, lambda uow: uow.companies.save(attrs.evolve(stored, name="New")))
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.companies.save(attrs.evolve(stored, name="Stale")),
            lambda uow: uow.companies.save(attrs.evolve(saved, version=saved.version + 1)),
        )
        assert _read(store, lambda uow: uow.companies.get(stored.id)) == saved

    def test_saving_the_same_copy_twice_raises_stale_version(self, store: Store) -> None:
        """Within one unit of work the first save already made the copy stale."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow:
            uow.companies.save(stored)
            with pytest.raises(StaleVersion):
                uow.companies.save(stored)

    def test_saving_a_company_with_a_taken_account_number_raises_already_exists(
        self, store: Store
    ) -> None:
        """A company may keep its own account number but not take another's."""
        acme, bolt = _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company("acme", account_number="A-1"), _company("bolt", account_number="B-1")]
            ),
        )
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.companies.save(attrs.evolve(bolt, account_number="A-1")),
        )
        assert _read(store, lambda uow: uow.companies.get(bolt.id)) == bolt
        kept = _commit(store, lambda uow: uow.companies.save(attrs.evolve(acme, name="ACME")))
        assert kept.account_number == "A-1"

    def test_an_account_number_is_free_again_once_changed(self, store: Store) -> None:
        """Changing an account number frees the old one for lookup and for others."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A")))

        def renumber(uow: UnitOfWork) -> Company:
            uow.companies.save(attrs.evolve(acme, account_number="B"))
            return uow.companies.add(_company("bolt", account_number="A"))

        _commit(store, renumber)
        with store.unit_of_work() as uow:
            assert uow.companies.get_by_account_number("A").id == "bolt"
            assert uow.companies.get_by_account_number("B").id == "acme"

    def test_saving_a_company_under_a_missing_parent_raises_hierarchy_error(
        self, store: Store
    ) -> None:
        """A company cannot be moved under a company that does not exist."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow, pytest.raises(HierarchyError):
            uow.companies.save(attrs.evolve(acme, parent_id=CompanyId("nowhere")))

    def test_moving_a_company_under_its_own_descendant_raises_hierarchy_error(
        self, store: Store
    ) -> None:
        """The tree never gets a cycle; a refused move changes nothing."""
        hq, _north, _kiel = _commit(
            store,
            lambda uow: uow.companies.add_many(
                [
                    _company("hq"),
                    _company("north", parent_id="hq"),
                    _company("kiel", parent_id="north"),
                ]
            ),
        )
        for new_parent in ("north", "kiel"):
            moved = attrs.evolve(hq, parent_id=CompanyId(new_parent))

            def move(uow: UnitOfWork, moved: Company = moved) -> Company:
                return uow.companies.save(moved)

            _refused(store, HierarchyError, move)
        with store.unit_of_work() as uow:
            assert uow.companies.get(hq.id) == hq
            assert _ids(uow.companies.descendants(hq.id)) == ["north", "kiel"]

    def test_moving_a_subtree_past_max_depth_raises_hierarchy_error(self, store: Store) -> None:
        """A company takes its subsidiaries along: the tree stays within MAX_DEPTH levels."""
        levels = MAX_DEPTH // 2 + 8
        chains = {
            prefix: [
                _company(f"{prefix}{level}", parent_id=f"{prefix}{level - 1}" if level else None)
                for level in range(levels)
            ]
            for prefix in "ab"
        }
        _commit(store, lambda uow: uow.companies.add_many([*chains["a"], *chains["b"]]))
        fits = 2 * levels - MAX_DEPTH  # moving b[fits] under a's leaf makes exactly MAX_DEPTH
        too_deep = _read(store, lambda uow: uow.companies.get(CompanyId(f"b{fits - 1}")))
        with store.unit_of_work() as uow, pytest.raises(HierarchyError):
            uow.companies.save(attrs.evolve(too_deep, parent_id=CompanyId(f"a{levels - 1}")))
        assert _read(store, lambda uow: uow.companies.get(too_deep.id)) == too_deep
        with store.unit_of_work() as uow:
            deepest = uow.companies.get(CompanyId(f"b{fits}"))
            uow.companies.save(attrs.evolve(deepest, parent_id=CompanyId(f"a{levels - 1}")))
            uow.commit()
        with store.unit_of_work() as uow:
            leaf = CompanyId(f"b{levels - 1}")
            assert len(uow.companies.ancestors(leaf)) == MAX_DEPTH - 1
            assert _ids(uow.companies.ancestors(leaf))[-1] == "a0"

    @pytest.mark.parametrize("reference", ["bill_to_id", "master_id"])
    def test_saving_a_company_naming_a_missing_company_raises_validation_error(
        self, store: Store, reference: str
    ) -> None:
        """The bill-to and master companies of a saved company must exist."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.companies.save(_changed(acme, **{reference: CompanyId("nowhere")}))

    def test_get_many_returns_the_known_companies_sorted_by_id(self, store: Store) -> None:
        """Unknown ids are left out; each company comes once, in id order."""
        _commit(
            store,
            lambda uow: uow.companies.add_many([_company(i) for i in ("m", "b", "x", "a")]),
        )
        with store.unit_of_work() as uow:
            ids = [CompanyId(i) for i in ("x", "zz", "a", "m", "a")]
            assert _ids(uow.companies.get_many(ids)) == ["a", "m", "x"]
            assert uow.companies.get_many([]) == []

    def test_existing_names_the_stored_company_ids(self, store: Store) -> None:
        """``existing`` gives ``get_many``'s ids: stored, or added in this unit of work."""
        _commit(store, lambda uow: uow.companies.add_many([_company(i) for i in ("m", "a")]))
        with store.unit_of_work() as uow:
            uow.companies.add(_company("new"))
            ids = [CompanyId(i) for i in ("m", "zz", "a", "new", "a", "gone")]
            assert uow.companies.existing(ids) == {"a", "m", "new"}
            assert uow.companies.existing(ids) == {c.id for c in uow.companies.get_many(ids)}
            assert uow.companies.existing([]) == set()
            assert uow.companies.existing(iter(ids)) == {"a", "m", "new"}  # read once

    def test_existing_agrees_with_get_many_whatever_is_stored_and_asked(self) -> None:
        """For any stored ids and any ids asked (known, unknown, repeated), the same answer."""

        @self._property()
        @given(
            st.lists(st_b2b.ids(), max_size=8, unique=True),
            st.lists(st_b2b.ids(), max_size=8),
            st.data(),
        )
        def check(stored: list[str], unknown: list[str], data: st.DataObject) -> None:
            asked = data.draw(st.permutations([*stored[: len(stored) // 2], *unknown]))
            with self._fresh_store() as (store, _clock):
                _commit(store, lambda uow: uow.companies.add_many(map(_company, stored)))
                with store.unit_of_work() as uow:
                    found = uow.companies.existing(CompanyId(i) for i in asked)
                    assert found == {c.id for c in uow.companies.get_many(map(CompanyId, asked))}
                    assert found == set(asked) & set(stored)

        check()

    def test_get_by_account_number_finds_the_company(self, store: Store) -> None:
        """A company is found by its account number; an unknown number raises ``NotFound``."""
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company("acme", account_number="A-100"), _company("bolt")]
            ),
        )
        with store.unit_of_work() as uow:
            assert uow.companies.get_by_account_number("A-100").id == "acme"
            with pytest.raises(NotFound):
                uow.companies.get_by_account_number("A-999")

    def test_find_by_tax_id_returns_every_company_sharing_it(self, store: Store) -> None:
        """A group may share one tax number; the matches come sorted by id."""

        def taxed(company_id: str, number: str | None) -> Company:
            legal = LegalInfo(legal_name=company_id.upper(), tax_registration_number=number)
            return _company(company_id, legal_info=legal)

        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [taxed("s", "DE1"), taxed("b", "DE1"), taxed("k", "DE2"), taxed("n", None)]
            ),
        )
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.find_by_tax_id("DE1")) == ["b", "s"]
            assert _ids(uow.companies.find_by_tax_id("DE2")) == ["k"]
            assert uow.companies.find_by_tax_id("XX9") == []

    # -- companies: add_many

    def test_add_many_stores_every_company_parents_first(self, store: Store) -> None:
        """A batch may hold parents and their subsidiaries; all are stamped and stored."""
        batch = [
            _company("hq"),
            _company("north", parent_id="hq"),
            _company("kiel", parent_id="north"),
        ]
        stored = _commit(store, lambda uow: uow.companies.add_many(iter(batch)))
        assert stored == [_stamped(company, 1, START, START) for company in batch]
        with store.unit_of_work() as uow:
            assert uow.companies.get_many([c.id for c in batch]) == sorted(
                stored, key=lambda company: company.id
            )
            assert uow.companies.add_many([]) == []

    def test_add_many_companies_is_all_or_nothing(self, store: Store) -> None:
        """When one item fails, none of the batch is added, nor anything of its unit of work."""
        _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        batch = [_company("b1"), _company("b2"), _company("b3", account_number="A-1")]
        with store.unit_of_work() as uow:
            uow.companies.add(_company("before"))
            with pytest.raises(AlreadyExists):
                uow.companies.add_many(batch)
        _refused(
            store,
            HierarchyError,
            lambda uow: uow.companies.add_many([_company("c1"), _company("c2", parent_id="c9")]),
        )
        everything = _read(store, lambda uow: uow.companies.search(CompanyQuery(limit=100)))
        assert sorted(_ids(everything)) == ["acme"]

    # -- companies: search

    def _catalogue(self, store: Store) -> None:
        def legal(country: str, tax: str | None = None) -> LegalInfo:
            return LegalInfo(legal_name="Legal", country=country, tax_registration_number=tax)

        companies = [
            _company(
                "hq",
                name="Acme Holding",
                account_number="A-100",
                tags={"vip"},
                custom_fields={"industry": "steel", "tier": 1},
                legal_info=legal("DE", "DE1"),
            ),
            _company(
                "north",
                name="acme north",
                parent_id="hq",
                status=CompanyStatus.ON_HOLD,
                tags={"vip", "at-risk"},
                custom_fields={"industry": "steel", "tier": 2},
                legal_info=legal("DE", "DE1"),
            ),
            _company(
                "south",
                name="Southwind",
                parent_id="hq",
                status=CompanyStatus.INACTIVE,
                account_number="A-200",
                custom_fields={"industry": "retail", "export": True},
                legal_info=legal("AT"),
            ),
            _company(
                "kiel",
                name="ACME Kiel",
                parent_id="north",
                tags={"at-risk"},
                legal_info=legal("DE"),
                bill_to_id="hq",
            ),
            _company(
                "solo",
                name="Bolt Ltd",
                custom_fields={"tier": 1},
                legal_info=legal("GB"),
                master_id="hq",
            ),
            _company("plain", name="Plain"),
        ]
        _commit(store, lambda uow: uow.companies.add_many(companies))

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param(
                CompanyQuery(), ["hq", "kiel", "north", "plain", "solo", "south"], id="all"
            ),
            pytest.param(CompanyQuery(name_contains="acme"), ["hq", "kiel", "north"], id="name"),
            pytest.param(CompanyQuery(name_contains="ACME N"), ["north"], id="name-case"),
            pytest.param(CompanyQuery(name_contains="zzz"), [], id="name-none"),
            pytest.param(
                CompanyQuery(status=CompanyStatus.ACTIVE),
                ["hq", "kiel", "plain", "solo"],
                id="active",
            ),
            pytest.param(CompanyQuery(status=CompanyStatus.ON_HOLD), ["north"], id="on-hold"),
            pytest.param(CompanyQuery(status=CompanyStatus.INACTIVE), ["south"], id="inactive"),
            pytest.param(CompanyQuery(parent_id=CompanyId("hq")), ["north", "south"], id="parent"),
            pytest.param(CompanyQuery(parent_id=CompanyId("kiel")), [], id="parent-leaf"),
            pytest.param(CompanyQuery(top_level=True), ["hq", "plain", "solo"], id="top-level"),
            pytest.param(
                CompanyQuery(top_level=False), ["kiel", "north", "south"], id="subsidiary"
            ),
            pytest.param(CompanyQuery(tag="vip"), ["hq", "north"], id="tag"),
            pytest.param(CompanyQuery(tag="at-risk"), ["kiel", "north"], id="tag-2"),
            pytest.param(CompanyQuery(tag="nope"), [], id="tag-none"),
            pytest.param(
                CompanyQuery(custom_fields={"industry": "steel"}), ["hq", "north"], id="custom"
            ),
            pytest.param(
                CompanyQuery(custom_fields={"industry": "steel", "tier": 1}), ["hq"], id="custom-2"
            ),
            pytest.param(CompanyQuery(custom_fields={"tier": 1}), ["hq", "solo"], id="custom-int"),
            pytest.param(CompanyQuery(custom_fields={"export": True}), ["south"], id="custom-flag"),
            pytest.param(CompanyQuery(custom_fields={"tier": 3}), [], id="custom-none"),
            pytest.param(CompanyQuery(country="DE"), ["hq", "kiel", "north"], id="country"),
            pytest.param(CompanyQuery(country="GB"), ["solo"], id="country-2"),
            pytest.param(CompanyQuery(paid_by=CompanyId("hq")), ["kiel", "solo"], id="paid-by"),
            pytest.param(CompanyQuery(paid_by=CompanyId("kiel")), [], id="paid-by-none"),
            pytest.param(
                CompanyQuery(name_contains="acme", status=CompanyStatus.ACTIVE, top_level=False),
                ["kiel"],
                id="combined",
            ),
            pytest.param(
                CompanyQuery(parent_id=CompanyId("hq"), tag="vip", country="DE"),
                ["north"],
                id="combined-2",
            ),
        ],
    )
    def test_search_filters_companies(
        self, store: Store, query: CompanyQuery, expected: list[str]
    ) -> None:
        """Every filter given must match; the total counts all matches.

        The reference implementation ([`b2b_customers.queries`][]) answers the same.
        """
        self._catalogue(store)
        by_id = attrs.evolve(query, sort=CompanySort.ID)
        page = _read(store, lambda uow: uow.companies.search(by_id))
        assert _ids(page) == expected
        assert page.total == len(expected)
        assert page.next_offset is None
        everything = _read(store, lambda uow: uow.companies.search(CompanyQuery(limit=100)))
        assert queries.select(by_id, everything.items) == page

    def test_search_defaults_to_every_company_by_name(self, store: Store) -> None:
        """Without a query, ``search`` lists all companies by name, 50 to a page."""
        names = ["delta", "alpha", "charlie", "bravo"]
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company(f"c{n}", name=name) for n, name in enumerate(names)]
            ),
        )
        page = _read(store, lambda uow: uow.companies.search())
        assert [company.name for company in page.items] == sorted(names)
        assert (page.total, page.offset, page.limit, page.next_offset) == (4, 0, 50, None)

    def _sortable_companies(self, store: Store, clock: ManualClock) -> list[Company]:
        rows = [
            ("k2", "beta", "n5"),
            ("a9", "beta", None),
            ("z1", "alpha", "n2"),
            ("m4", "gamma", None),
            ("b3", "alpha", "n9"),
            ("q7", "beta", "n1"),
            ("c5", "delta", None),
        ]
        stored: list[Company] = []
        for position, (company_id, name, account) in enumerate(rows):
            if position % 3 == 0:
                clock.advance(timedelta(minutes=1))
            with store.unit_of_work() as uow:
                stored.append(
                    uow.companies.add(_company(company_id, name=name, account_number=account))
                )
                uow.commit()
        return stored

    @pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
    @pytest.mark.parametrize("sort", list(CompanySort))
    def test_search_sorts_companies_by_the_key_then_id(
        self, store: Store, clock: ManualClock, sort: CompanySort, *, descending: bool
    ) -> None:
        """Each sort key orders the list, ties by id; descending is the reverse order."""
        stored = self._sortable_companies(store, clock)
        expected = sorted(stored, key=_company_order(sort), reverse=descending)
        query = CompanyQuery(sort=sort, descending=descending)
        page = _read(store, lambda uow: uow.companies.search(query))
        assert _ids(page) == _ids(expected)

    def test_search_pages_companies_with_offset_and_limit(
        self, store: Store, clock: ManualClock
    ) -> None:
        """Offset and limit cut the ordered list into pages with the full total."""
        stored = self._sortable_companies(store, clock)
        order = _ids(sorted(stored, key=_company_order(CompanySort.NAME)))
        with store.unit_of_work() as uow:
            first = uow.companies.search(CompanyQuery(limit=3))
            assert (_ids(first), first.total, first.next_offset) == (order[:3], 7, 3)
            last = uow.companies.search(CompanyQuery(offset=6, limit=3))
            assert (_ids(last), last.total, last.next_offset) == (order[6:], 7, None)
            beyond = uow.companies.search(CompanyQuery(offset=40, limit=3))
            assert (beyond.items, beyond.total, beyond.next_offset) == ((), 7, None)
            exact = uow.companies.search(CompanyQuery(offset=4, limit=3))
            assert (_ids(exact), exact.next_offset) == (order[4:7], None)

    def test_pages_of_companies_concatenate_to_the_whole_list(self) -> None:
        """Walking the pages yields every match once, in order, whatever the sort and size."""
        company_rows = st.lists(
            st.tuples(
                _SIMPLE_ID,
                st.sampled_from(["alpha", "beta", "gamma"]),
                st.none() | _SIMPLE_ID,
                st.sampled_from(CompanyStatus),
                st.booleans(),
            ),
            max_size=14,
            unique_by=(lambda row: row[0], lambda row: row[2] or object()),
        )

        @self._property()
        @given(
            rows=company_rows,
            sort=st.sampled_from(CompanySort),
            descending=st.booleans(),
            status=st.none() | st.sampled_from(CompanyStatus),
            limit=st.integers(1, 5),
        )
        def check(
            rows: list[tuple[str, str, str | None, CompanyStatus, bool]],
            sort: CompanySort,
            status: CompanyStatus | None,
            limit: int,
            *,
            descending: bool,
        ) -> None:
            with self._fresh_store() as (store, clock):
                stored: list[Company] = []
                with store.unit_of_work() as uow:
                    for company_id, name, account, company_status, tick in rows:
                        if tick:
                            clock.advance(_TICK)
                        company = _company(
                            company_id, name=name, account_number=account, status=company_status
                        )
                        stored.append(uow.companies.add(company))
                    uow.commit()
                matching = [c for c in stored if status is None or c.status is status]
                expected = sorted(matching, key=_company_order(sort), reverse=descending)
                query = CompanyQuery(sort=sort, descending=descending, status=status, limit=limit)
                with store.unit_of_work() as uow:
                    pages = _all_pages(
                        lambda offset: uow.companies.search(attrs.evolve(query, offset=offset))
                    )
                assert _ids(pages) == _ids(expected)

        check()

    # -- companies: the tree

    def test_children_are_the_direct_subsidiaries_by_id(self, store: Store) -> None:
        """``children`` lists one level down, sorted by id; a leaf has none."""
        self._tree(store)
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.children(CompanyId("hq"))) == ["a-south", "b-north"]
            assert _ids(uow.companies.children(CompanyId("a-south"))) == ["b-linz", "c-graz"]
            assert uow.companies.children(CompanyId("z-pier")) == []

    def test_ancestors_go_from_the_parent_up_to_the_top(self, store: Store) -> None:
        """``ancestors`` lists the parent first and the top-level company last."""
        self._tree(store)
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.ancestors(CompanyId("z-pier"))) == [
                "a-kiel",
                "b-north",
                "hq",
            ]
            assert _ids(uow.companies.ancestors(CompanyId("b-north"))) == ["hq"]
            assert uow.companies.ancestors(CompanyId("hq")) == []

    def test_descendants_go_level_by_level_and_by_id_within_a_level(self, store: Store) -> None:
        """``descendants`` is the whole subtree, nearest level first, by id within a level."""
        self._tree(store)
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.descendants(CompanyId("hq"))) == [
                "a-south",
                "b-north",
                "a-kiel",
                "b-linz",
                "c-graz",
                "z-pier",
            ]
            assert _ids(uow.companies.descendants(CompanyId("b-north"))) == ["a-kiel", "z-pier"]
            assert uow.companies.descendants(CompanyId("other")) == []

    @pytest.mark.parametrize("walk", ["children", "ancestors", "descendants"])
    def test_walking_the_tree_from_an_unknown_company_raises_not_found(
        self, store: Store, walk: str
    ) -> None:
        """The tree questions need a company that exists."""
        self._tree(store)
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            getattr(uow.companies, walk)(CompanyId("nowhere"))

    def test_moving_a_subtree_moves_every_descendant(self, store: Store) -> None:
        """Saving a new parent carries the company's whole subtree along."""
        self._tree(store)
        with store.unit_of_work() as uow:
            north = uow.companies.get(CompanyId("b-north"))
            uow.companies.save(attrs.evolve(north, parent_id=CompanyId("other")))
            uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.descendants(CompanyId("other"))) == [
                "b-north",
                "a-kiel",
                "z-pier",
            ]
            assert _ids(uow.companies.ancestors(CompanyId("z-pier"))) == [
                "a-kiel",
                "b-north",
                "other",
            ]
            assert _ids(uow.companies.children(CompanyId("hq"))) == ["a-south"]
            top = uow.companies.search(CompanyQuery(top_level=True, sort=CompanySort.ID))
            assert _ids(top) == ["hq", "other"]

    def test_the_tree_answers_agree_with_a_model_of_random_forests(self) -> None:
        """Children, ancestors and descendants match a plain model, also after random moves."""

        @self._property()
        @given(
            forest=_forests(),
            moves=st.lists(st.tuples(st.integers(0), st.integers(-1)), max_size=4),
        )
        def check(forest: list[tuple[str, str | None]], moves: list[tuple[int, int]]) -> None:
            parents = dict(forest)
            ids = [company_id for company_id, _parent in forest]
            with self._fresh_store() as (store, _clock):
                _commit(
                    store,
                    lambda uow: uow.companies.add_many(_company(i, parent_id=p) for i, p in forest),
                )
                for mover, target in moves:
                    moved = ids[mover % len(ids)]
                    new_parent = None if target < 0 else ids[target % len(ids)]
                    refused = new_parent is not None and (
                        new_parent == moved or moved in _model_ancestors(parents, new_parent)
                    )
                    if new_parent == moved:
                        continue  # the domain refuses a company as its own parent
                    with store.unit_of_work() as uow:
                        company = uow.companies.get(CompanyId(moved))
                        changed = _changed(company, parent_id=new_parent)
                        if refused:
                            with pytest.raises(HierarchyError):
                                uow.companies.save(changed)
                        else:
                            uow.companies.save(changed)
                            uow.commit()
                            parents[moved] = new_parent
                with store.unit_of_work() as uow:
                    for company_id in ids:
                        key = CompanyId(company_id)
                        assert _ids(uow.companies.children(key)) == _model_children(
                            parents, company_id
                        )
                        assert _ids(uow.companies.ancestors(key)) == _model_ancestors(
                            parents, company_id
                        )
                        assert _ids(uow.companies.descendants(key)) == _model_descendants(
                            parents, company_id
                        )

        check()
