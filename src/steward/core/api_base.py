"""What every area's API shares: access check, error format, pagination, base viewset.

Every error answer has one shape (drf-standardized-errors'), made in ``core.api_errors``;
docs/ARCHITECTURE.md, "Errors", describes it.
"""

import base64
import binascii
import datetime
import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from steward.core import permissions
from steward.core.formfields import to_utc
from steward.core.ids import MAX_ID

PAGE_SIZE = "page_size"
PAGE_SIZE_DEFAULT = 50
MAX_PAGE_SIZE = 500


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


def page_size(request: Request, default: int, maximum: int) -> int:
    """``?page_size=`` as a whole number from 1 to ``maximum`` (400 naming it otherwise:
    ``page_size=0`` used to answer one row, ``page_size=abc`` the default)."""
    raw = request.query_params.get(PAGE_SIZE)
    if raw is None:
        return default
    # ASCII digits only: int() would also take " 5", "1_0" and other scripts' digits.
    wanted = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 1 <= wanted <= maximum:
        raise exceptions.ValidationError(
            {PAGE_SIZE: [f"Enter a whole number from 1 to {maximum}."]}
        )
    return wanted


def page_size_parameter(maximum: int) -> dict[str, Any]:
    """The ``page_size`` query parameter in the schema, with its bounds."""
    return {
        "name": PAGE_SIZE,
        "required": False,
        "in": "query",
        "description": f"Rows per page: 1 to {maximum} (default {PAGE_SIZE_DEFAULT}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum},
    }


INVALID_CURSOR = "This is not a cursor the API gave out: start again from the first page."


def invalid_cursor() -> exceptions.ValidationError:
    """A cursor that is not one of ours is the client's mistake: 400, naming the parameter."""
    return exceptions.ValidationError({"cursor": [INVALID_CURSOR]})


def _cursor_value(field: Any, value: Any) -> Any:
    """``value`` from a cursor as ``field`` stores it, or ``invalid_cursor()``.

    Everything in a cursor came from the client: wrong types, and numbers the database
    cannot hold (which SQLite answers with OverflowError), are refused here; date-times go
    on in UTC (PostgreSQL refuses offsets beyond ±15:59).
    """
    try:
        value = field.to_python(value)
        if isinstance(value, datetime.datetime):
            value = to_utc(
                value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
            )
    except (DjangoValidationError, TypeError, ValueError, OverflowError):
        raise invalid_cursor() from None
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_ID <= value <= MAX_ID:
        raise invalid_cursor()
    return value


class StewardCursorPagination(CursorPagination):
    page_size = PAGE_SIZE_DEFAULT
    page_size_query_param = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"

    def get_page_size(self, request: Request) -> int:
        return page_size(request, self.page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        return [
            page_size_parameter(self.max_page_size) if p["name"] == PAGE_SIZE else p
            for p in parameters
        ]

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Any:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise invalid_cursor() from None
        if cursor is not None and cursor.position is not None:
            name = self.ordering[0].lstrip("-")
            meta = self.model._meta
            field = meta.pk if name == "pk" else meta.get_field(name)
            _cursor_value(field, cursor.position)
        return cursor


class KeysetPagination(BasePagination):
    """Cursor pagination over several ordering fields ("priority, then oldest first").

    DRF's ``CursorPagination`` positions on the first ordering field only, so with a
    field of four values (priority) every page after the first becomes an OFFSET scan.
    Here the cursor holds the last row's values of every field in ``ordering`` (which
    must end in a unique field, the pk) and the next page is a row-value comparison,
    ``(priority, created_at, id) > (%s, %s, %s)``: one index range scan whatever the
    depth, on PostgreSQL and SQLite alike. All fields run in the same direction.
    """

    page_size = PAGE_SIZE_DEFAULT
    max_page_size = MAX_PAGE_SIZE
    ordering: tuple[str, ...] = ("-pk",)
    cursor_query_param = "cursor"
    page_size_query_param = PAGE_SIZE

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list:
        self.request = request
        self.ordering = tuple(getattr(view, "keyset_ordering", None) or self.ordering)
        descending = self.ordering[0].startswith("-")
        if any(f.startswith("-") != descending for f in self.ordering):
            raise ValueError("KeysetPagination needs every ordering field in one direction.")
        self.fields = [f.lstrip("-") for f in self.ordering]
        self.size = page_size(request, self.page_size, self.max_page_size)
        queryset = queryset.order_by(*self.ordering)
        position = self._decode(request.query_params.get(self.cursor_query_param))
        if position is not None:
            model = queryset.model
            qn = connection.ops.quote_name
            table = qn(model._meta.db_table)
            fields = [model._meta.get_field(model._meta.pk.name if f == "pk" else f)
                      for f in self.fields]  # fmt: skip
            columns = ", ".join(f"{table}.{qn(field.column)}" for field in fields)
            position = [
                field.get_db_prep_value(_cursor_value(field, value), connection)
                for field, value in zip(fields, position, strict=True)
            ]
            marks = ", ".join(["%s"] * len(self.fields))
            operator = "<" if descending else ">"
            # extra(): Django has no row-value comparison; the SQL is built from field
            # metadata only, the values are parameters.
            queryset = queryset.extra(where=[f"({columns}) {operator} ({marks})"], params=position)
        rows = list(queryset[: self.size + 1])
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        return self.page

    def _values(self, row: Any) -> list[Any]:
        values = []
        for name in self.fields:
            value = getattr(row, "pk" if name == "pk" else name)
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return values

    def _decode(self, raw: str | None) -> list[Any] | None:
        if not raw:
            return None
        try:
            values = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
        except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
            raise invalid_cursor() from None
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise invalid_cursor()
        return values

    def _encode(self, values: list[Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(
            url, self.cursor_query_param, self._encode(self._values(self.page[-1]))
        )

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "The next page's cursor (from ``next``).", "schema": {"type": "string"}},
            page_size_parameter(self.max_page_size),
        ]  # fmt: skip


class PositionPagination(KeysetPagination):
    """A ranked result (a search, best first) paged by position: the cursor holds the
    position of the next page's first row. For results that are bounded (a search ranks
    a window of matches), so the offset stays small; the same ``cursor`` parameter and
    response as the keyset pages, so a client follows ``next`` either way."""

    MAX_POSITION = 100_000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list:
        self.request = request
        self.size = page_size(request, self.page_size, self.max_page_size)
        self.position = self._position(request.query_params.get(self.cursor_query_param))
        rows = list(queryset[self.position : self.position + self.size + 1])
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        return self.page

    def _position(self, raw: str | None) -> int:
        if not raw:
            return 0
        try:
            values = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
        except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
            raise invalid_cursor() from None
        # A queue's keyset cursor (a list) is not a position: refused like any other.
        position = values.get("position") if isinstance(values, dict) else None
        if type(position) is not int or not 0 <= position <= self.MAX_POSITION:
            raise invalid_cursor()
        return position

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        position = json.dumps({"position": self.position + self.size}).encode()
        cursor = base64.urlsafe_b64encode(position).decode()
        return replace_query_param(url, self.cursor_query_param, cursor)
