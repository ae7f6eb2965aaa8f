"""What every area's API shares: access check, error format, pagination, base viewset.

Errors always have one of two shapes: ``{"errors": {field: [messages]}}`` for bad
input (400) and ``{"detail": "..."}`` for everything else.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import permissions
from steward.core.errors import DomainError, InvalidTransition, PayloadTooLarge


class StewardAccess(BasePermission):
    """Authenticated, holding a role, and (when the view names one) its view permission.

    Writes are checked again, against the record, by the service the view calls.
    """

    message = "You do not have a role that may use this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not permissions.has(user, "core.access"):
            return False
        needed = getattr(view, "view_permission", None)
        return needed is None or permissions.has(user, needed)


class StewardCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"


def _messages(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(m) if not isinstance(m, dict | list) else _messages(m) for m in detail]
    return [str(detail)]


def validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map service-layer errors to HTTP answers in Steward's one error format."""
    if isinstance(exc, DjangoValidationError):
        return Response({"errors": validation_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response({"errors": _messages(detail)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PayloadTooLarge):
        return Response({"detail": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, RequestDataTooBig):
        # Form fields (not files) over DATA_UPLOAD_MAX_MEMORY_SIZE.
        return Response(
            {"detail": "The request body is too large."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        # Too many fields, a broken multipart body...: the client's fault, never a 500.
        return Response({"detail": "The request is malformed."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, InvalidTransition | DomainError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ObjectDoesNotExist) and not isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
