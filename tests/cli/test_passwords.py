"""The command line never prints a password, not even part of one in a malformed URL."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from b2b_customers.cli.passwords import masked, repaired, shown

MALFORMED = "postgresql+psycopg://u:p@ss@host/db"

# What may stand in a password as people type it: "@" and ":" included; "/", "?" and "#"
# end the host part of any URL, so they cannot be in one unescaped.
passwords = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zs"], blacklist_characters="/?#%"),
    min_size=1,
    max_size=20,
)


class TestShown:
    def test_a_password_is_replaced_by_stars(self):
        assert shown("postgresql+psycopg://u:s3cret@db:5432/shop") == (
            "postgresql+psycopg://u:***@db:5432/shop"
        )

    def test_an_unescaped_at_sign_shows_nothing_of_the_password(self):
        assert shown(MALFORMED) == "postgresql+psycopg://u:***@host/db"

    def test_a_url_without_password_is_left_as_it_is(self):
        for url in ("sqlite:///shop.db", "postgresql://u@host/db", "postgresql://host/db?x=a@b"):
            assert shown(url) == url

    def test_sqlalchemys_own_masking_is_not_enough(self):
        assert "ss@host" in make_url(MALFORMED).render_as_string(hide_password=True)


class TestRepaired:
    def test_the_password_is_escaped_so_the_driver_reads_it_whole(self):
        assert repaired(MALFORMED) == "postgresql+psycopg://u:p%40ss@host/db"
        assert make_url(repaired(MALFORMED)).password == "p@ss"  # noqa: S105  (the example)
        assert make_url(repaired(MALFORMED)).host == "host"

    def test_an_escaped_password_stays_as_it_is(self):
        url = "postgresql+psycopg://u:p%40ss@host/db"
        assert repaired(url) == url

    @given(password=passwords)
    def test_any_password_reaches_the_driver_whole(self, password):
        url = f"postgresql+psycopg://user:{password}@db.example:5432/shop"
        parsed = make_url(repaired(url))
        assert (parsed.password, parsed.host, parsed.database) == (
            password,
            "db.example",
            "shop",
        )


class TestMasked:
    @given(password=passwords.filter(lambda password: len(password) >= 6))
    def test_no_message_holds_the_password_in_any_form(self, password):
        url = f"postgresql+psycopg://user:{password}@db/shop"
        message = (
            f"cannot connect to {url} ({repaired(url)}); "
            f"{make_url(repaired(url)).render_as_string(hide_password=False)}; "
            f"password {password!s}"
        )
        assert password not in masked(message, url)

    @given(password=passwords)
    def test_a_url_never_shows_its_password_however_short(self, password):
        url = f"postgresql+psycopg://user:{password}@db/shop"
        shown_url = masked(f"see {url} and {repaired(url)}", url)
        assert shown_url == f"see {shown(url)} and {shown(url)}"

    def test_a_short_password_does_not_garble_other_words(self):
        url = "postgresql+psycopg://b2b:b2b@db/b2b_test"
        assert masked(f"b2b-customers: cannot reach {url}", url) == (
            "b2b-customers: cannot reach postgresql+psycopg://b2b:***@db/b2b_test"
        )

    def test_the_host_a_first_at_parser_sees_is_masked(self):
        message = 'could not translate host name "ss@host" to address'
        assert masked(message, MALFORMED) == 'could not translate host name "***" to address'

    def test_the_command_line_masks_a_malformed_url_in_its_errors(self, cli):
        result = cli("export", "--url", "postgresql+psycopg://u:p@ss@nohost.invalid/db")
        assert result.code == 2
        for piece in ("p@ss", "ss@", "p%40ss", ":p@"):
            assert piece not in result.err
