"""Keeping the password of a database URL out of everything the command line prints.

A URL such as ``postgresql+psycopg://u:p@ss@host/db`` has an ``@`` in the
password that should have been written ``%40``. SQLAlchemy splits it at the
first ``@`` (password ``p``, host ``ss@host``), so its own masking and the
driver's messages would show part of the password. The command line reads
such a URL as Python's `urllib.parse` does, splitting at the *last*
``@``: `repaired` escapes the password so the database sees what the
user meant, and `masked` removes it, in every form, from any message.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

__all__ = ["MASK", "masked", "password_of", "repaired", "shown"]

MASK = "***"
"""What a password is printed as."""

_SHORTEST_MASKED = 6
"""A password shorter than this is masked in URLs only: alone, it cannot be told from words.

(A password ``b2b`` masked everywhere would turn ``b2b-customers`` into ``***-customers``.)
"""


def _split(url: str) -> tuple[str, str, str, str] | None:
    """Return (scheme and ``//``, user, password, ``@host...``), or ``None`` without a password."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return None
    end = min((rest.find(mark) for mark in "/?#" if mark in rest), default=len(rest))
    userinfo, at, host = rest[:end].rpartition("@")  # the last "@" of the host part
    if not at or ":" not in userinfo:
        return None
    host += rest[end:]
    user, _, password = userinfo.partition(":")
    return f"{scheme}://", user, password, f"@{host}"


def password_of(url: str) -> str | None:
    """Return the password written in ``url`` (as written, ``@`` and all), or ``None``."""
    parts = _split(url)
    return None if parts is None else parts[2]


def repaired(url: str) -> str:
    """Return ``url`` with its password escaped, so that a driver parses it as written.

    ``postgresql+psycopg://u:p@ss@host/db`` becomes
    ``postgresql+psycopg://u:p%40ss@host/db``; a password escaped already
    (``p%40ss``) is left as it is.
    """
    parts = _split(url)
    if parts is None:
        return url
    head, user, password, host = parts
    return f"{head}{user}:{quote(unquote(password), safe='')}{host}"


def shown(url: str) -> str:
    """Return ``url`` fit to print: its password, if any, replaced by ``***``."""
    parts = _split(url)
    if parts is None:
        return url
    head, user, _password, host = parts
    return f"{head}{user}:{MASK}{host}"


def masked(text: str, url: str | None) -> str:
    """Return ``text`` with the password of ``url`` removed, however it is written there.

    The URL itself (as given and as repaired) is shown masked; the password
    alone, escaped or not (when it is 6 characters or longer: a shorter one
    cannot be told from other words), and the host a parser splitting it at
    its first ``@`` would see (``ss@host``) become ``***`` too.
    """
    if not url:
        return text
    password = password_of(url)
    if password is None:
        return text
    for form in (url, repaired(url)):
        text = text.replace(form, shown(url))
    plain = unquote(password)
    pieces = {p for p in (password, plain, quote(plain, safe="")) if len(p) >= _SHORTEST_MASKED}
    parts = _split(url)
    if parts is not None and "@" in plain:
        # A driver that split at the first "@" names the rest, "@" and all, as the host.
        pieces.add(f"{plain.split('@', 1)[1]}{parts[3]}".split("/", 1)[0])
    masked_url = shown(url)
    segments = text.split(masked_url)  # the URL shown masked stays as it is
    for piece in sorted(pieces, key=len, reverse=True):
        segments = [segment.replace(piece, MASK) for segment in segments]
    return masked_url.join(segments)
