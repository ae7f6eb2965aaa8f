"""The page patterns every area reuses: access check, list page, record page, form page.

* ``StewardPageMixin``: login required, then ``core.access``, then the view's ``permission``
  (else 403). Every page view uses it, so one test can walk all URL patterns.
* ``RecordListView``: a queryset from the area's ``query(actor)``, the model's FilterSet,
  sorting by whitelisted columns (``?sort=col`` / ``?sort=-col``), pagination, CSV export
  of the filtered list (``?format=csv``) and the htmx partial of the results; one view
  serves the full page and the partial.
* ``RecordDetailView``: the record through ``x_for(actor, pk)`` (404 for what the actor may
  not see), a header with number/title/status, fields, related records, the actions the
  actor may take, attachments and the journal timeline with a note form.
* ``ServiceFormView``: a form whose valid data goes to a service; a service
  ``ValidationError`` lands next to the fields. A form on a versioned record carries its
  ``lock_version``: a save from an older version is refused (409) with the other
  person's changes shown and the person's own entries kept.
* ``RecordActionFormView``: a plain form acting on one record through a service (edit,
  terminate, add a contact), titled from ``title_format``.
* ``RecordTransitionView``: a POST button that moves a record on through a service and
  returns to its page with a message.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from steward.core import csvsafe, journal, permissions, versioning
from steward.core import inputs as core_inputs
from steward.core.errors import DomainError, PayloadTooLarge, StaleVersion
from steward.core.fields import GuardedForm
from steward.core.models import Attachment
from steward.core.templatetags.steward import display_value, resolve, resolve_display
from steward.core.views import conflicts

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
    def sort_fields(self) -> list[str]:
        if not self.sort:
            return []
        return [self.sort] if isinstance(self.sort, str) else list(self.sort)


@dataclass
class Cell:
    value: Any
    text: str
    url: str = ""
    badge: bool = False
    classes: str = ""


@dataclass
class Field:
    """A label and value in a record's field list; ``url`` links the value."""

    label: str
    value: Any
    url: str = ""
    badge: bool = False
    wide: bool = False


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


def _row_url(obj: Any) -> str:
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
            url = _row_url(obj) if column.link else ""
        cells.append(
            Cell(
                value=column.raw(obj) if column.badge else None,
                text=column.display(obj),
                url=url,
                badge=column.badge,
                classes=column.classes,
            )
        )
    return cells


# Kept for callers written before core.csvsafe; the rule lives there.
csv_safe = csvsafe.escape


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


def _friendly_filter_form(filterset: Any) -> None:
    """Readable filter labels ("Organisation", not "Memberships organisation") and "Any"
    instead of "---------" or "Unknown" as the empty choice."""
    form = filterset.form
    for name, form_field in form.fields.items():
        declared = filterset.filters.get(name)
        # A filter across a relation gets its label from the path; the filter's name reads better.
        if declared is not None and "__" in (declared.field_name or ""):
            form_field.label = name.replace("_", " ").capitalize()
        elif name.startswith("is_") and form_field.label == name.replace("_", " ").capitalize():
            form_field.label = name[3:].replace("_", " ").capitalize()  # "Active", not "Is active"
        if isinstance(form_field.widget, forms.NullBooleanSelect):
            form_field.widget.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]
        elif getattr(form_field, "empty_label", None) is not None:
            form_field.empty_label = "Any"
            form_field.widget.choices = form_field.choices  # the widget keeps its own copy


# --- List page ----------------------------------------------------------------------------


class RecordListView(StewardPageMixin, TemplateView):
    """A filtered, sorted, paginated list that also exports CSV and serves its htmx partial.

    Subclasses set ``query`` (``people_for``-style), ``filterset_class``, ``columns``,
    ``default_sort``, ``title`` and optionally ``create_url_name``/``create_permission``.
    Override ``get_queryset`` to add ``select_related``/``prefetch_related`` for the columns,
    and ``restrict_filters`` to narrow filter choices to what the actor may see.
    """

    template_name = "core/list.html"
    partial_template_name = "core/partials/list_results.html"
    query: Callable[[Any], QuerySet] | None = None
    filterset_class: Any = None
    columns: Sequence[Column] = ()
    default_sort: str = ""
    paginate_by = 50
    page_sizes = (25, 50, 100, 200)
    title = ""
    create_url_name = ""
    create_permission: str | None = None
    create_label = "New"
    empty_text = "Nothing matches these filters."
    csv_filename = ""

    def get_queryset(self) -> QuerySet:
        query = type(self).query
        if query is None:
            raise NotImplementedError("Set query or override get_queryset().")
        return query(self.actor)

    def restrict_filters(self, filterset: Any) -> None:
        """Narrow the filter form's choices to what the actor may see (hook)."""

    # sorting
    def sortable(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns if c.sort}

    def current_sort(self) -> str:
        wanted = self.request.GET.get("sort", "")
        if wanted.lstrip("-") in self.sortable():
            return wanted
        return self.default_sort

    def apply_sort(self, qs: QuerySet, sort: str) -> QuerySet:
        key, descending = sort.lstrip("-"), sort.startswith("-")
        column = self.sortable().get(key)
        if column is None:
            order = [sort] if sort else []
        else:
            order = [f"-{f}" if descending else f for f in column.sort_fields]
        # pk last keeps pages stable when the sort column has ties.
        return qs.order_by(*order, "-pk" if descending else "pk")

    def filtered(self) -> tuple[Any, QuerySet]:
        qs = self.get_queryset()
        if self.filterset_class is None:
            return None, qs
        filterset = self.filterset_class(
            self.request.GET or None, queryset=qs, request=self.request
        )
        self.restrict_filters(filterset)
        _friendly_filter_form(filterset)
        if filterset.is_bound and not filterset.is_valid():
            # django-filter would skip the invalid filter and list more than was asked
            # for; show nothing (and the messages) until the filters are corrected.
            return filterset, qs.none()
        return filterset, filterset.qs

    def filter_errors(self, filterset: Any) -> list[str]:
        """Each filter that cannot be applied, as "Label: message"."""
        if filterset is None or not filterset.is_bound or filterset.is_valid():
            return []
        form = filterset.form
        return [
            f"{form.fields[name].label if name in form.fields else name}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filterset, qs = self.filtered()
        errors = self.filter_errors(filterset)
        sort = self.current_sort()
        qs = self.apply_sort(qs, sort)
        if request.GET.get("format") == "csv":
            if errors:
                return HttpResponseBadRequest(
                    "Correct the filters first. " + " ".join(errors),
                    content_type="text/plain; charset=utf-8",
                )
            name = self.csv_filename or slugify(self.title) or "export"
            return stream_csv(qs.iterator(chunk_size=500), self.columns, name)
        paginator = Paginator(qs, self.page_size())
        page = paginator.get_page(request.GET.get("page"))
        rows = [{"obj": obj, "cells": build_cells(obj, self.columns)} for obj in page.object_list]
        context = self.get_context_data(
            filterset=filterset,
            filter_form=filterset.form if filterset is not None else None,
            page_obj=page,
            paginator=paginator,
            page_range=list(
                paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
            ellipsis=Paginator.ELLIPSIS,
            rows=rows,
            headers=self.headers(sort),
            sort=sort,
            title=self.title,
            create_url=self.create_url(),
            create_label=self.create_label,
            empty_text=self.empty_text,
            filters_active=self.filters_active(filterset),
            filter_errors=errors,
            page_sizes=self.page_sizes,
        )
        partial = getattr(request, "htmx", False) and not request.htmx.history_restore_request
        template = self.partial_template_name if partial else self.template_name
        response = self.render_to_response(context, template_name=template)
        # Full page and partial share a URL: caches must keep them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response

    def render_to_response(
        self, context: dict, template_name: str | None = None, **kw: Any
    ) -> HttpResponse:
        return render(self.request, template_name or self.template_name, context, **kw)

    def page_size(self) -> int:
        try:
            wanted = int(self.request.GET.get("per_page", ""))
        except ValueError:
            return self.paginate_by
        return wanted if wanted in self.page_sizes else self.paginate_by

    def headers(self, sort: str) -> list[dict[str, Any]]:
        current, descending = sort.lstrip("-"), sort.startswith("-")
        result = []
        for column in self.columns:
            header: dict[str, Any] = {
                "label": column.label,
                "key": column.key,
                "classes": column.classes,
            }
            if column.sort:
                active = column.key == current
                header["sortable"] = True
                header["direction"] = ("desc" if descending else "asc") if active else ""
                header["next"] = f"-{column.key}" if active and not descending else column.key
            result.append(header)
        return result

    def filters_active(self, filterset: Any) -> bool:
        if filterset is None or not filterset.is_bound:
            return False
        if not filterset.is_valid():
            return True
        return any(v not in ("", None, []) for v in filterset.form.cleaned_data.values())

    def create_url(self) -> str:
        if not self.create_url_name:
            return ""
        if self.create_permission and not permissions.has(self.actor, self.create_permission):
            return ""
        return reverse(self.create_url_name)


# --- Record page ---------------------------------------------------------------------------


class NoteForm(GuardedForm):
    """A note on a record page that offers public replies."""

    inputs = core_inputs.NOTE
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add a note…"}),
        max_length=20000,
    )
    public = forms.BooleanField(label="Visible to the customer (public reply)", required=False)


class WorkNoteForm(NoteForm):
    """A note on a record page without public replies: always internal."""

    inputs = core_inputs.WORK_NOTE


class RecordDetailView(StewardPageMixin, TemplateView):
    """A record page: header, fields, related records, allowed actions, attachments, timeline.

    Subclasses set ``query_one`` (``person_for``-style: raises Http404 for what the actor
    may not see) and override ``get_fields``, ``get_related`` and ``get_actions``.
    ``note_permission`` enables the note form (``journal.note_add`` checks it again);
    ``public_replies`` offers the public/internal choice; ``accepts_attachments`` shows
    the attachment list and upload form.
    """

    template_name = "core/detail.html"
    timeline_template_name = "core/partials/timeline.html"
    query_one: Callable[[Any, Any], Model] | None = None
    status_field: str | None = None
    kind_label = ""
    list_url_name = ""
    note_permission: str | None = None
    public_replies = False
    accepts_attachments = False
    timeline_limit = 200

    def get_object(self) -> Model:
        if not hasattr(self, "_object"):
            query_one = type(self).query_one
            if query_one is None:
                raise NotImplementedError("Set query_one or override get_object().")
            self._object = query_one(self.actor, self.kwargs["pk"])
        return self._object

    # hooks
    def get_fields(self, obj: Model) -> list[Field]:
        return []

    def get_related(self, obj: Model) -> list[Related]:
        return []

    def get_actions(self, obj: Model) -> list[Action]:
        return []

    def get_title(self, obj: Model) -> str:
        return str(getattr(obj, "title", "") or getattr(obj, "name", "") or obj)

    # assembled
    def allowed_actions(self, obj: Model) -> list[Action]:
        return [
            a
            for a in self.get_actions(obj)
            if a.permission is None or permissions.has(self.actor, a.permission, obj)
        ]

    def can_note(self, obj: Model) -> bool:
        return bool(self.note_permission) and permissions.has(self.actor, self.note_permission, obj)

    @property
    def posted_form(self) -> type[forms.Form] | None:
        form_class = getattr(self, "form_class", None)
        if form_class is not None or not self.note_permission:
            return form_class
        return NoteForm if self.public_replies else WorkNoteForm

    def note_form(self, data: Any = None) -> NoteForm:
        form_class = NoteForm if self.public_replies else WorkNoteForm
        return form_class(data, actor=self.actor, record=self.get_object())

    def timeline_context(self, obj: Model, form: NoteForm | None = None) -> dict[str, Any]:
        entries = list(
            journal.timeline(obj, actor=self.actor).order_by("-created_at", "-id")[
                : self.timeline_limit
            ]
        )
        can_note = self.can_note(obj)
        return {
            "record": obj,
            "entries": entries,
            "timeline_truncated": len(entries) == self.timeline_limit,
            "note_form": (form or self.note_form()) if can_note else None,
            "public_replies": self.public_replies and not permissions.is_customer_side(self.actor),
            "note_url": self.request.path,
        }

    def attachments_context(self, obj: Model) -> dict[str, Any]:
        if not self.accepts_attachments:
            return {}
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        items = Attachment.objects.filter(record_type=ct, record_id=obj.pk).select_related(
            "uploaded_by"
        )
        try:
            upload_url = reverse("core:attachment-upload")
        except NoReverseMatch:
            upload_url = ""
        return {
            "attachments": list(items),
            "attachment_upload_url": upload_url if self.can_note(obj) else "",
            "attachment_record_type": f"{ct.app_label}.{ct.model}",
            "show_attachments": True,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        obj = self.get_object()
        related = self.get_related(obj)
        for section in related:
            section.table = [build_cells(row, section.columns) for row in section.rows]
        context = super().get_context_data(**kwargs)
        context.update(self.timeline_context(obj, kwargs.get("note_form")))
        context.update(self.attachments_context(obj))
        context.update(
            object=obj,
            record=obj,
            number=getattr(obj, "number", ""),
            title=self.get_title(obj),
            kind_label=self.kind_label or obj._meta.verbose_name.capitalize(),
            status=resolve(obj, self.status_field) if self.status_field else None,
            status_label=resolve_display(obj, self.status_field) if self.status_field else "",
            fields=self.get_fields(obj),
            related=related,
            actions=self.allowed_actions(obj),
            list_url=reverse(self.list_url_name) if self.list_url_name else "",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Add a note to the record (the only write a record page does itself)."""
        obj = self.get_object()
        if not self.can_note(obj):
            raise PermissionDenied("You may not add notes to this record.")
        form = self.note_form(request.POST)
        if form.is_valid():
            try:
                journal.note_add(
                    actor=self.actor,
                    record=obj,
                    body=form.cleaned_data["body"],
                    public=bool(form.cleaned_data["public"]) and self.public_replies,
                    permission=self.note_permission or "",
                )
            except ValidationError as exc:
                apply_errors(form, exc)
        if form.is_valid():
            if request.htmx:
                return render(request, self.timeline_template_name, self.timeline_context(obj))
            messages.success(request, "Note added.")
            return HttpResponseRedirect(request.path + "#timeline")
        if request.htmx:
            return render(
                request, self.timeline_template_name, self.timeline_context(obj, form), status=400
            )
        return self.render_to_response(self.get_context_data(note_form=form), status=400)


class RecordTransitionView(StewardPageMixin, View):
    """A POST button on a record page that moves the record on through a service (submit,
    publish, retire ...): the record through ``query_one`` (404 for what the actor may not
    see), the service and its success message from ``actions[verb]``, a refused step as
    an error message, then back to the record page."""

    http_method_names = ["post"]
    query_one: Callable[[Any, Any], Model] | None = None
    record_arg = "record_id"
    verb = ""
    actions: Mapping[str, tuple[Callable[..., Any], str]] = {}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        query_one = type(self).query_one
        if query_one is None:
            raise NotImplementedError("Set query_one.")
        record = query_one(self.actor, pk)
        service, done = self.actions[self.verb]
        try:
            service(actor=self.actor, **{self.record_arg: record.pk})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(_row_url(record) or "/")


# --- Forms through services -------------------------------------------------------------------


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


class ServiceFormView(StewardPageMixin, TemplateView):
    """GET shows the form; POST validates it and hands the data to ``perform``.

    ``perform(form)`` calls a service and returns the object (or a URL) to go to; a
    ``ValidationError`` from the service is shown on the form, nothing is written.

    When ``versioned_object()`` names a versioned record, the form carries its
    ``lock_version`` (hidden). Edit views hand ``expected_version(form)`` to their service;
    every save also runs under ``versioning.precondition``, so a form acting on the record
    through a step is covered too. A save from an older version comes back (409) with
    what the other person changed, next to the fields, and nothing written; the person's
    entries stay in the form, which now carries the current version, so saving again
    applies them on top.
    """

    template_name = "core/form.html"
    form_class: type[forms.Form] = forms.Form
    title = ""
    submit_label = "Save"
    success_message = ""
    cancel_url = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return {}

    def form_record(self) -> Model | None:
        """The record the form acts on (its fields' rules are checked against it)."""
        return None

    def versioned_object(self) -> Model | None:
        """The record this form changes, when saves must start from its current version."""
        return self.form_record()

    def get_form(self, data: Any = None) -> forms.Form:
        # Every page form refuses what the actor may not set (core.fields.GuardedForm).
        kwargs = {"actor": self.actor, "record": self.form_record(), **self.get_form_kwargs()}
        form = self.form_class(data, initial=self.get_initial(), **kwargs)
        record = self.versioned_object()
        if versioning.is_versioned(record):
            form.fields[versioning.FIELD] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=record.lock_version
            )
        return form

    def expected_version(self, form: forms.Form) -> int | None:
        """The version of the record the person's form was opened at (None: not sent)."""
        return getattr(form, "_lock_version", None)

    def perform(self, form: forms.Form) -> Any:
        raise NotImplementedError

    def get_cancel_url(self) -> str:
        return self.cancel_url

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.get_form())

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = self.get_context_data(
            form=form,
            title=self.title,
            submit_label=self.submit_label,
            cancel_url=self.get_cancel_url(),
        )
        return render(self.request, self.template_name, context, status=status)

    def perform_checked(self, form: forms.Form) -> Any:
        """``perform`` under the precondition of the version the form carries."""
        expected = self.expected_version(form)
        record = self.versioned_object()
        if expected is None or record is None:
            return self.perform(form)
        # Refused before perform(): the page checked access already, and perform() may
        # queue a success message that a rollback would not take back.
        with versioning.precondition(type(record), record.pk, expected, first=True):
            return self.perform(form)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            # Kept apart, so forms handing all their data to a service do not pass it on.
            form._lock_version = form.cleaned_data.pop(versioning.FIELD, None)  # type: ignore[attr-defined]
            try:
                result = self.perform_checked(form)
            except StaleVersion as exc:
                return self.stale(form, exc)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if self.success_message:
                    messages.success(request, self.success_message)
                url = result if isinstance(result, str) else _row_url(result) or "/"
                return HttpResponseRedirect(url)
        return self.render_form(form, status=400)

    def stale(self, form: forms.Form, exc: StaleVersion) -> HttpResponse:
        """The form again after a refused save, rebased on the current version
        (``conflicts.rebase``), with 409."""
        conflicts.rebase(form, current=self.get_form(), exc=exc, actor=self.actor)
        return self.render_form(form, status=409)


class RecordEditView(ServiceFormView):
    """The edit form of one record, fetched through ``query_one`` (404 for what the actor
    may not see); subclasses set ``form_class``, ``permission`` and ``perform``."""

    query_one: Callable[[Any, Any], Model] | None = None
    submit_label = "Save changes"
    success_message = "Changes saved."

    def get_object(self) -> Model:
        if not hasattr(self, "_object"):
            query_one = type(self).query_one
            if query_one is None:
                raise NotImplementedError("Set query_one or override get_object().")
            self._object = query_one(self.actor, self.kwargs["pk"])
        return self._object

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Edit {self.get_object()}"

    def form_record(self) -> Model | None:
        return self.get_object()

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.get_object()}

    def get_cancel_url(self) -> str:
        return _row_url(self.get_object()) or ""


class RecordActionFormView(RecordEditView):
    """A form that acts on one record (edit, terminate, discontinue, contacts, minutes).

    From ``RecordEditView``: the record through ``query_one`` once per request (404 for
    what the actor may not see) and Cancel back to its page. These forms are plain forms
    handing data to a service, not model forms, so no ``instance`` and ServiceFormView's
    label and message; the title is ``title_format`` filled with the record.
    """

    submit_label = ServiceFormView.submit_label
    success_message = ServiceFormView.success_message
    title_format = "{obj}"

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.title_format.format(obj=self.get_object())

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to ``next`` when it is a local path, else ``fallback``."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)
