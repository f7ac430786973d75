"""What the command line's exit status means, so scripts can branch on it.

* 0: done; for ``check-order``: the order is allowed.
* 1: ``import`` rejected the file: every bad row is listed, nothing was written.
* 2: a usage or user error: a bad argument, an unreadable file, an unknown id,
  an unreachable database or one whose schema is not ready. One line on
  stderr says what to fix; nothing was written.
* 3: ``check-order``: the order needs approval.
* 4: ``check-order``: the order is denied.
* 141: the reader of standard output went away (``export | head``); as a
  Unix tool killed by SIGPIPE, nothing is printed.
* 130: interrupted (Ctrl-C); nothing was written.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """The exit statuses of ``b2b-customers`` (see the module docstring)."""

    OK = 0
    ROWS_REJECTED = 1
    USER_ERROR = 2
    APPROVAL_REQUIRED = 3
    DENIED = 4
    INTERRUPTED = 130
    BROKEN_PIPE = 141
