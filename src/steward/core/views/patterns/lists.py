"""The list page pattern (``RecordListView``): filters, sorting, pagination, CSV, htmx."""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views.generic import TemplateView

from steward.core import permissions
from steward.core.views.patterns.base import (
    Column,
    StewardPageMixin,
    build_cells,
    row_html,
    stream_csv,
)
from steward.core.views.patterns.live import LiveListMixin, is_poll
from steward.core.views.patterns.saved import (
    chosen_columns,
    column_choices,
    list_key,
    saved_views_menu,
)
from steward.core.views.patterns.selects import speed_up


def friendly_filter_form(filterset: Any) -> None:
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
        speed_up(form_field.widget)


# --- Counting -------------------------------------------------------------------------------

# Lists and tabs count at most this many rows and then say "10,000+": an exact count of a
# large result reads every row of it (on 1,000,000 requests, the 80,000 open ones take
# ~17 ms on PostgreSQL), while a page never needs more than "there are many".
COUNT_CAP = 10_000


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> int:
    """The number of rows of ``qs``, or ``cap + 1`` when there are more than ``cap``."""
    # Only the key in the inner query: annotations (a subquery per row) would be computed
    # for every counted row.
    return qs.order_by().values("pk")[: cap + 1].count()


def count_text(count: int, cap: int = COUNT_CAP) -> str:
    """``capped_count`` for people: "1,234", or "10,000+" beyond the cap."""
    return f"{cap:,}+" if count > cap else f"{count:,}"


class CappedPaginator(Paginator):
    """A paginator that counts at most ``COUNT_CAP`` rows: past the cap it offers the pages
    up to the cap and says "10,000+" (narrow the filters or reverse the sort to reach the
    rest)."""

    @cached_property
    def counted(self) -> int:
        return capped_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return min(self.counted, COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self.counted > COUNT_CAP

    @property
    def count_text(self) -> str:
        return count_text(self.counted)


class KeysFirstPaginator(CappedPaginator):
    """Reads a page in two steps: the keys of its rows, sorted (the query joins only what
    the sort needs), then those rows with their related records. PostgreSQL plans a sorted
    scan of one table and a lookup by key far better, and far faster, than one query that
    sorts and joins everything the columns show."""

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        found = self.object_list.order_by().in_bulk(keys)
        return self._get_page([found[k] for k in keys if k in found], number, self)


# --- List page ----------------------------------------------------------------------------


class RecordListView(LiveListMixin, StewardPageMixin, TemplateView):
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
    # Large lists (the service desk's queues): read a page's keys first, then its rows.
    keys_first = False
    # The column chooser and the saved-views menu (core/views/patterns/saved.py).
    saved_views = True
    # The filters shown at once; the others fold under "More filters" (open when one is
    # set). Empty: every filter is shown.
    primary_filters: Sequence[str] = ()
    # Rows can be selected for the bulk form of the page (``bulk_form`` in the template):
    # each row's checkbox carries its id and the version the list showed ("id:version").
    bulk = False

    def bulk_allowed(self) -> bool:
        """Whether the actor gets the row checkboxes and the bulk form (hook)."""
        return self.bulk

    def get_queryset(self) -> QuerySet:
        query = type(self).query
        if query is None:
            raise NotImplementedError("Set query or override get_queryset().")
        return query(self.actor)

    def restrict_filters(self, filterset: Any) -> None:
        """Narrow the filter form's choices to what the actor may see (hook)."""

    def prepare_page(self, objects: list) -> list:
        """The rows of the page being shown, before their cells are built (hook): add here
        what a column needs for these rows alone, rather than computing it for every row
        the list's query sorts."""
        return objects

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
        friendly_filter_form(filterset)
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
        paginator_class = KeysFirstPaginator if self.keys_first else CappedPaginator
        if self.live and is_poll(request):
            return self.live_answer(qs, paginator_class)
        if request.GET.get("format") == "csv":
            if errors:
                return HttpResponseBadRequest(
                    "Correct the filters first. " + " ".join(errors),
                    content_type="text/plain; charset=utf-8",
                )
            name = self.csv_filename or slugify(self.title) or "export"
            return stream_csv(qs.iterator(chunk_size=500), self.columns, name)
        paginator = paginator_class(qs, self.page_size())
        page = paginator.get_page(request.GET.get("page"))
        objects = self.prepare_page(list(page.object_list))
        key = list_key(request)
        shown = chosen_columns(request, self.columns, key)
        rows = []
        for obj in objects:
            cells = build_cells(obj, shown)
            rows.append({"obj": obj, "cells": cells, "html": row_html(cells)})
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
            headers=self.headers(sort, shown),
            column_choices=column_choices(self.columns, shown),
            list_key=key,
            saved_views_on=self.saved_views and bool(key),
            bulk=self.bulk_allowed(),
            **(
                saved_views_menu(self.actor, request, key, shown, len(self.columns))
                if self.saved_views and key
                else {}
            ),
            sort=sort,
            title=self.title,
            create_url=self.create_url(),
            create_label=self.create_label,
            empty_text=self.empty_text,
            filters_active=self.filters_active(filterset),
            **self.filter_groups(filterset),
            filter_errors=errors,
            page_sizes=self.page_sizes,
            live=self.live_context(paginator, objects),
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

    def headers(self, sort: str, columns: Sequence[Column] = ()) -> list[dict[str, Any]]:
        current, descending = sort.lstrip("-"), sort.startswith("-")
        result = []
        for column in columns or self.columns:
            header: dict[str, Any] = {
                "label": column.label,
                "key": column.key,
                "classes": column.css_classes,
            }
            if column.sort:
                active = column.key == current
                header["sortable"] = True
                header["direction"] = ("desc" if descending else "asc") if active else ""
                header["next"] = f"-{column.key}" if active and not descending else column.key
            result.append(header)
        return result

    def filter_groups(self, filterset: Any) -> dict[str, Any]:
        """Which filters fold under "More filters", and how many of those are set."""
        if filterset is None or not self.primary_filters:
            return {"more_filters": [], "more_set": 0}
        more = [name for name in filterset.form.fields if name not in self.primary_filters]
        given = self.request.GET
        return {
            "more_filters": more,
            "more_set": sum(1 for name in more if any(v for v in given.getlist(name))),
        }

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
