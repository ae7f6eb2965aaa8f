"""Errors the service layer raises; pages, API and CLI each turn them into their own answer.

Validation problems raise ``django.core.exceptions.ValidationError`` (field messages),
refusals raise ``django.core.exceptions.PermissionDenied``, unknown or invisible
records raise ``django.http.Http404``.
"""

from typing import Any

from django.http import JsonResponse
from django.utils.text import capfirst

ERROR_TYPES = ("validation_error", "client_error", "server_error")


class DomainError(Exception):
    """A rule of the process forbids what was asked."""


class InvalidTransition(DomainError):
    def __init__(self, workflow: str, old: str, new: str) -> None:
        super().__init__(f"{workflow}: cannot go from {old!r} to {new!r}.")
        self.workflow, self.old, self.new = workflow, old, new


class StaleVersion(DomainError):
    """A write started from an older version of the record than the one stored: someone
    else saved it meanwhile (optimistic concurrency, ``core.versioning``). Nothing was
    written; the API answers 412, pages show the form again with the other person's change."""

    def __init__(self, record: Any, expected: int | None, current: int) -> None:
        super().__init__(
            f"{capfirst(record._meta.verbose_name)} {record} was changed by someone else "
            f"since you opened it (your version {expected}, now {current})."
        )
        self.record, self.expected, self.current = record, expected, current


class PayloadTooLarge(DomainError):
    """An upload is over the configured size limit (HTTP 413)."""


def error_body(status: int, code: str, detail: str) -> dict[str, Any]:
    """The API's one error shape (``core.api_base``) for an answer made outside DRF."""
    kind = "client_error" if 400 <= status < 500 else "server_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}


def error_response(status: int, code: str, detail: str) -> JsonResponse:
    """An API error answered before or outside an API view: unknown path, CSRF, upload
    limit, a crash in middleware."""
    return JsonResponse(error_body(status, code, detail), status=status)
