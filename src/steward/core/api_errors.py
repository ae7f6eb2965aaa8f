"""The API's one error format: drf-standardized-errors' shape for every error answer.

``{"type": "validation_error" | "client_error" | "server_error",
"errors": [{"code": "...", "detail": "...", "attr": "<field, nested as a.0.b, or null>"}]}``,
plus ``lock_version`` and ``changes`` on a 412 (docs/ARCHITECTURE.md, "Errors"). Answers made
outside DRF (unknown API paths, CSRF, the upload limit, a crash outside a view) use
``core.errors.error_response`` for the same shape.
"""

from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from steward.core import audit, throttling, versioning
from steward.core.choices import SecurityEventKind
from steward.core.errors import DomainError, InvalidTransition, PayloadTooLarge, StaleVersion


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A rule of the process forbids this in the record's state."
    default_code = "conflict"


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class PreconditionFailed(exceptions.APIException):
    """412: the record changed since the client's version; ``extra`` goes into the body."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, detail: str, *, extra: dict[str, Any], etag: str) -> None:
        super().__init__(detail)
        self.extra, self.etag = extra, etag


_WHOLE_RECORD = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY}


def validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, field names and codes kept."""

    def details(errors: list[DjangoValidationError]) -> list[exceptions.ErrorDetail]:
        return [
            exceptions.ErrorDetail(str(m), code=e.code or "invalid")
            for e in errors
            for m in e.messages
        ]

    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {field: details(errors) for field, errors in exc.error_dict.items()}
        )
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: details(exc.error_list)})


def precondition_failed(exc: StaleVersion, request: Request | None) -> PreconditionFailed:
    """412 for a write from an older version: what changed since, and the version to start
    from again. The refused attempt goes on the record's journal (its transaction is over)."""
    actor = getattr(request, "user", None)
    attempted: list[str] = []
    if request is not None and request.method in ("PATCH", "PUT"):
        try:
            attempted = sorted(str(k) for k in request.data)
        except (AttributeError, exceptions.ParseError):
            attempted = []
    versioning.refused(exc, actor=actor, attempted=attempted)
    message, changes = versioning.explain(exc, actor=actor)
    return PreconditionFailed(
        message,
        extra={
            versioning.FIELD: exc.current,
            "changes": [change.as_dict() for change in changes],
        },
        etag=versioning.etag(exc.current),
    )


def as_api_exception(exc: Exception, request: Request | None) -> Exception:
    """What the services and Django raise, as the DRF exception with the right status."""
    if isinstance(exc, DjangoValidationError):
        return validation_error(exc)
    if isinstance(exc, PayloadTooLarge):
        return TooLarge(str(exc))
    if isinstance(exc, RequestDataTooBig):
        return TooLarge()  # form fields (not files) over DATA_UPLOAD_MAX_MEMORY_SIZE
    if isinstance(exc, SuspiciousOperation):
        # Too many fields, a broken multipart body...: the client's fault, never a 500.
        return exceptions.ParseError("The request is malformed.")
    if isinstance(exc, StaleVersion):
        return precondition_failed(exc, request)
    if isinstance(exc, InvalidTransition):
        return Conflict(str(exc), code="invalid_transition")
    if isinstance(exc, DomainError):
        return Conflict(str(exc))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


class StewardExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler with Steward's mapping, throttling and audit hooks."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        request = self.context.get("request")
        exc = as_api_exception(exc, request)
        refused = exceptions.NotAuthenticated | exceptions.AuthenticationFailed
        if request is not None and isinstance(exc, refused | exceptions.PermissionDenied):
            # Refused before DRF's throttles ran: counted now, and over the rate it is a 429
            # (recorded once per window) instead of one more denial in the log.
            exc = throttling.check_refused(request, self.context.get("view")) or exc
        if request is not None:
            if isinstance(exc, exceptions.PermissionDenied):
                audit.denied(request, exc)
            elif isinstance(exc, exceptions.AuthenticationFailed):
                audit.record(SecurityEventKind.TOKEN_REJECTED, request=request, detail=str(exc))
        return exc

    def get_headers(self, exc: exceptions.APIException) -> dict:
        headers = super().get_headers(exc)
        if isinstance(exc, PreconditionFailed):
            headers["ETag"] = exc.etag
        return headers


class StewardExceptionFormatter(ExceptionFormatter):
    def format_error_response(self, error_response: Any) -> Any:
        data = super().format_error_response(error_response)
        for error in data["errors"]:
            attr = error["attr"]
            if attr in _WHOLE_RECORD:
                error["attr"] = None  # about the request or record as a whole
            elif attr is not None:
                # A nested list or object as a whole ("lines.non_field_errors"): the field.
                for whole in _WHOLE_RECORD:
                    attr = attr.removesuffix(f".{whole}")
                error["attr"] = attr
        data.update(getattr(self.exc, "extra", {}))
        return data


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error of an API view as an answer in Steward's one error format (the
    ``EXCEPTION_HANDLER`` setting: a string, so DRF imports this module only when needed)."""
    return StewardExceptionHandler(exc, context).run()
