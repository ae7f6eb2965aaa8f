"""The parts every page pattern shares: the access check, columns, cells, fields,
actions and related-record sections, CSV streaming, and putting service errors on a form."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db.models import Model
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import NoReverseMatch, URLResolver, include, path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from steward.core import csvsafe, permissions, versioning
from steward.core.errors import DomainError, PayloadTooLarge, StaleVersion
from steward.core.templatetags.steward import badge, display_value, resolve, resolve_display

# --- Access -------------------------------------------------------------------------------


class StewardPageMixin(LoginRequiredMixin):
    """Login required; then a role (``core.access``); then ``permission`` when set.

    Anonymous people are sent to the login page (htmx requests get ``HX-Redirect`` so the
    whole page changes, not a fragment). Signed-in people without the rights get 403.
    Service errors that escape the view become the right answer: a missing object 404,
    a process rule 409 with its message, an oversized upload 413.
    """

    permission: str | None = None

    @property
    def actor(self) -> Any:
        return self.request.user

    @property
    def posted_form(self) -> type[forms.Form] | None:
        """The form a POST to this page fills in (None: a button without fields); the
        generated field-rule test posts to every page through it."""
        return getattr(self, "form_class", None)

    def handle_no_permission(self) -> HttpResponse:
        if self.request.user.is_authenticated:
            raise PermissionDenied("You do not have a role that may open this page.")
        if getattr(self.request, "htmx", False):
            response = HttpResponse(status=401)
            response["HX-Redirect"] = reverse("login") + "?next=" + self.request.get_full_path()
            return response
        return redirect_to_login(self.request.get_full_path())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.has(request.user, "core.access"):
            raise PermissionDenied("You are signed in but hold no role in Steward.")
        if self.permission and not permissions.has(request.user, self.permission):
            raise PermissionDenied(f"You may not open this page ({self.permission}).")
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            raise
        except ObjectDoesNotExist:
            # A service's .get() on something gone or invisible: same answer as invisible.
            raise Http404("No such record.") from None
        except PayloadTooLarge as exc:
            return HttpResponse(str(exc), status=413, content_type="text/plain")
        except StaleVersion as exc:
            versioning.refused(exc, actor=request.user)
            message, _ = versioning.explain(exc, actor=request.user)
            return render(request, "core/conflict.html", {"message": message}, status=409)
        except DomainError as exc:
            return render(request, "core/conflict.html", {"message": str(exc)}, status=409)


class RecordObjectMixin:
    """The record a page is about, through ``query_one`` (``x_for(actor, pk)``: 404 for
    what the actor may not see), fetched once per request."""

    query_one: Callable[[Any, Any], Model] | None = None
    # A form page's title, ``{obj}`` the record ("Edit {obj.name}").
    title_format = "{obj}"

    @property
    def title(self) -> str:
        return self.title_format.format(obj=self.get_object())

    def get_object(self) -> Model:
        if not hasattr(self, "_object"):
            query_one = type(self).query_one
            if query_one is None:
                raise NotImplementedError("Set query_one or override get_object().")
            self._object = query_one(self.actor, self.kwargs["pk"])  # type: ignore[attr-defined]
        return self._object


# --- Building blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a list page (and of its CSV export).

    ``value`` is an attribute path (``"organisation.name"``; choices show their label) or a
    callable taking the row; it defaults to ``key``. ``sort`` is the ORM field (or fields)
    the column sorts by: only columns with ``sort`` are accepted in ``?sort=``.
    ``link`` links the cell to the row's ``get_absolute_url()``; ``url`` to another place.
    """

    key: str
    label: str
    value: str | Callable[[Any], Any] | None = None
    sort: str | Sequence[str] | None = None
    link: bool = False
    badge: bool = False
    csv: Callable[[Any], Any] | None = None
    classes: str = ""
    url: Callable[[Any], str] | None = None

    def raw(self, obj: Any) -> Any:
        getter = self.value if self.value is not None else self.key
        return getter(obj) if callable(getter) else resolve(obj, getter)

    def display(self, obj: Any) -> str:
        getter = self.value if self.value is not None else self.key
        return display_value(getter(obj)) if callable(getter) else resolve_display(obj, getter)

    def export(self, obj: Any) -> str:
        return display_value(self.csv(obj)) if self.csv is not None else self.display(obj)

    @property
    def css_classes(self) -> str:
        """``classes`` plus ``col-<key>``, by which the stylesheet sizes a column."""
        return f"col-{self.key} {self.classes}".strip()

    @property
    def sort_fields(self) -> list[str]:
        if not self.sort:
            return []
        return [self.sort] if isinstance(self.sort, str) else list(self.sort)


# The status column of a record list: a badge, sortable, its label in the CSV export.
STATUS_COLUMN = Column(
    "status", "Status", sort="status", badge=True, csv=lambda obj: obj.get_status_display()
)


@dataclass
class Cell:
    value: Any
    text: str
    url: str = ""
    badge: bool = False
    classes: str = ""
    # The column's label: a phone shows each row as a card, each cell with its label.
    label: str = ""


@dataclass
class Field:
    """A label and value in a record's field list; ``url`` links the value."""

    label: str
    value: Any
    url: str = ""
    badge: bool = False
    wide: bool = False

    @classmethod
    def email(cls, address: str, label: str = "Email") -> "Field":
        """An email address, linked to write to it."""
        return cls(label, address, url=f"mailto:{address}" if address else "")


@dataclass
class Action:
    """A button in a record's header; shown only when the actor has ``permission`` on it.

    ``method="post"`` renders a small form (CSRF-protected) with ``confirm`` asked first.
    """

    label: str
    url: str
    permission: str | None = None
    method: str = "get"
    style: str = ""
    confirm: str = ""


@dataclass
class Related:
    """A section of related records on a record page."""

    title: str
    rows: Iterable[Any]
    columns: Sequence[Column]
    empty_text: str = "None."
    list_url: str = ""
    table: list[list[Cell]] = field(default_factory=list)


def record_url(obj: Any) -> str:
    get_url = getattr(obj, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return get_url()
    except NoReverseMatch:
        return ""


def build_cells(obj: Any, columns: Sequence[Column]) -> list[Cell]:
    cells = []
    for column in columns:
        if column.url is not None:
            url = column.url(obj) or ""
        else:
            url = record_url(obj) if column.link else ""
        cells.append(
            Cell(
                value=column.raw(obj) if column.badge else None,
                text=column.display(obj),
                url=url,
                badge=column.badge,
                classes=column.css_classes,
                label=column.label,
            )
        )
    return cells


TITLE_AFTER = 60  # characters (three lines of a narrow column) of a linked cell beyond which it carries a title


def row_html(cells: Sequence[Cell]) -> SafeString:
    """A table row's cells as HTML, built here rather than by the template: a 50-row list
    of ten columns is 500 cells, and the template language took a third of the page's
    time to print them."""
    parts = []
    for cell in cells:
        if cell.badge:
            inner = badge(cell.value, cell.text)
        elif cell.url:
            # A long text is cut to two lines on a narrow table; its title shows it all.
            title = cell.text if len(cell.text or "") > TITLE_AFTER else ""
            if title:
                inner = format_html('<a href="{}" title="{}">{}</a>', cell.url, title, cell.text)
            else:
                inner = format_html('<a href="{}">{}</a>', cell.url, cell.text or "(no name)")
        else:
            inner = conditional_escape(cell.text)
        parts.append(
            format_html('<td class="{}" data-label="{}">{}</td>', cell.classes, cell.label, inner)
        )
    return mark_safe("".join(parts))


def stream_csv(
    rows: Iterable[Any], columns: Sequence[Column], filename: str
) -> StreamingHttpResponse:
    """Stream ``rows`` as CSV with the columns' labels as the header line."""
    writer = csvsafe.writer(csvsafe.Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read UTF-8
        yield writer.writerow([c.label for c in columns])
        for obj in rows:
            yield writer.writerow([c.export(obj) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the form's fields (the rest on top)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                if name in form.fields:
                    form.add_error(name, message)
                elif name in (NON_FIELD_ERRORS, "non_field_errors"):
                    form.add_error(None, message)
                else:
                    form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")


def topic_urls(package: str, *topics: str) -> list[URLResolver]:
    """An area's page URLs: each views module of ``package`` owns its url patterns, joined
    here in the order given (``urls.py``: ``topic_urls("steward.x.views", "a", "b")``)."""
    return [path("", include(f"{package}.{topic}")) for topic in topics]
