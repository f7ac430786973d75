"""The library's errors as HTTP responses: one handler, one table of statuses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from b2b_customers.errors import (
    B2BError,
    ConflictError,
    CreditRefused,
    InvalidTransition,
    NotFound,
    OrderDenied,
    PermissionDenied,
    StorageError,
    ValidationError,
)
from shop_api.views import decision_view

STATUSES: list[tuple[type[B2BError], int]] = [
    (NotFound, status.HTTP_404_NOT_FOUND),
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    (ValidationError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    # The order is well formed, but the rules (limits, credit, status) deny it.
    (OrderDenied, status.HTTP_409_CONFLICT),
    (CreditRefused, status.HTTP_409_CONFLICT),
    (InvalidTransition, status.HTTP_409_CONFLICT),
    # A lost race (StaleVersion, a dead lock) or a taken key (AlreadyExists).
    (ConflictError, status.HTTP_409_CONFLICT),
    (StorageError, status.HTTP_503_SERVICE_UNAVAILABLE),
]
"""Each error class and its status; the first match wins, so subclasses come first."""


def status_of(error: B2BError) -> int:
    """Return the HTTP status for one of the library's errors (400 for any other)."""
    return next(
        (code for kind, code in STATUSES if isinstance(error, kind)), status.HTTP_400_BAD_REQUEST
    )


def error_body(error: B2BError) -> dict[str, Any]:
    """Return the JSON body for ``error``: its kind, its message, and what it carries.

    A validation error names the field; a denied order carries the decision
    and its explanation, so the shop can show the buyer why.
    """
    body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
    if isinstance(error, ValidationError):
        body["field"] = error.field
    if isinstance(error, OrderDenied):
        body["decision"] = decision_view(error.decision)
    return body


async def library_error(_request: Request, error: Exception) -> JSONResponse:
    """Answer one of the library's errors with its status and body."""
    if not isinstance(error, B2BError):  # registered for B2BError only
        raise error
    return JSONResponse(error_body(error), status_code=status_of(error))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of the library's hierarchy (and its subclasses) as JSON."""
    app.add_exception_handler(B2BError, library_error)
