"""Inline editing on a record page (``InlineEditView``): a panel of fields, each of which
swaps to a small form and back (htmx), saved through the area's service from the version
the form was opened at, so a stale edit is refused with the other person's change shown
(409, ``core.views.conflicts.rebase``); a field the person may not change is read-only.

Without JavaScript the same panel opens a field's form on the record page itself
(``?edit=<field>``) and a save comes back to the record page with a message."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from steward.core import versioning
from steward.core.errors import DomainError, StaleVersion
from steward.core.views import conflicts
from steward.core.views.patterns.base import RecordObjectMixin, StewardPageMixin, apply_errors

PANEL_TEMPLATE = "core/partials/inline_panel.html"


@dataclass(frozen=True)
class InlineField:
    """One field of the panel. ``show(record)`` gives what the row displays (``value``,
    ``link``, ``badge``, ``note``, ``listed``: see the panel template); ``form`` is built with
    ``(data, actor=, record=, initial=)``; ``save(actor, record, cleaned_data,
    expected_version)`` calls the service; ``may_edit(actor, record)`` decides whether the
    row offers a form (None: the field is never edited here; a row with ``links`` offers
    those instead, e.g. the steps that change a status)."""

    name: str
    label: str
    show: Callable[[Any], Mapping[str, Any]]
    form: type[forms.Form] | None = None
    save: Callable[[Any, Any, dict[str, Any], int | None], Any] | None = None
    may_edit: Callable[[Any, Any], bool] = lambda actor, record: False
    initial: Callable[[Any], dict[str, Any]] = lambda record: {}
    links: Callable[[Any, Any], list[dict[str, Any]]] | None = None
    help: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def versioned_form(spec: InlineField, actor: Any, record: Model, data: Any = None) -> forms.Form:
    assert spec.form is not None
    form = spec.form(data, actor=actor, record=record, initial=spec.initial(record))
    form.fields[versioning.FIELD] = forms.IntegerField(
        widget=forms.HiddenInput, required=False, initial=getattr(record, "lock_version", None)
    )
    return form


def panel_rows(
    fields: Sequence[InlineField],
    actor: Any,
    record: Model,
    *,
    url: Callable[[str], str],
    editing: str = "",
    form: forms.Form | None = None,
) -> list[dict[str, Any]]:
    """The panel's rows; ``editing`` names the row shown as a form (``form``: as posted)."""
    rows = []
    for spec in fields:
        links = spec.links(actor, record) if spec.links else []
        editable = bool(spec.form and spec.may_edit(actor, record)) or bool(links)
        row: dict[str, Any] = {
            "name": spec.name,
            "label": spec.label,
            "editable": editable,
            "url": url(spec.name),
            "editing": editable and editing == spec.name,
            "links": links,
            "help": spec.help,
            **spec.show(record),
        }
        if row["editing"] and spec.form is not None:
            row["form"] = form if form is not None else versioned_form(spec, actor, record)
        rows.append(row)
    return rows


class InlineEditView(RecordObjectMixin, StewardPageMixin, View):
    """GET: the panel (``?edit=<field>``: with that field's form); POST: save the field
    through its service, answer the panel again (htmx) or go back to the record page.
    Subclasses set ``query_one``, ``fields``, ``panel_url`` and ``field_url`` (the panel's
    URL, and each field's: GET opens its form, POST saves it), and may add to
    ``panel_context``."""

    fields: Sequence[InlineField] = ()
    template_name = PANEL_TEMPLATE

    def field_url(self, record: Model, name: str) -> str:
        raise NotImplementedError

    def spec(self, name: str) -> InlineField:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise Http404("No such field.")

    def panel_url(self, record: Model) -> str:
        raise NotImplementedError

    def panel_context(self, record: Model, **kwargs: Any) -> dict[str, Any]:
        return {
            "record": record,
            "panel_url": self.panel_url(record),
            "inline_rows": panel_rows(
                self.fields, self.actor, record, url=lambda n: self.field_url(record, n), **kwargs
            ),
        }

    def panel(self, record: Model, status: int = 200, **kwargs: Any) -> HttpResponse:
        context = self.panel_context(record, **kwargs)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_object()
        editing = kwargs.get("field") or request.GET.get("edit", "")
        if editing:
            self.spec(editing)  # 404 for a field that is not one
        if not request.htmx:
            return HttpResponseRedirect(
                f"{record.get_absolute_url()}?edit={editing}#record-panel"  # type: ignore[attr-defined]
            )
        return self.panel(record, editing=editing)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_object()
        spec = self.spec(kwargs["field"])
        if spec.form is None or spec.save is None or not spec.may_edit(self.actor, record):
            raise PermissionDenied("You may not change this field.")
        form = versioned_form(spec, self.actor, record, request.POST)
        status = 400
        if form.is_valid():
            expected = form.cleaned_data.pop(versioning.FIELD, None)
            try:
                spec.save(self.actor, record, form.cleaned_data, expected)
            except StaleVersion as exc:
                current = versioned_form(
                    spec, self.actor, type(self).query_one(self.actor, record.pk)
                )  # type: ignore[misc]
                conflicts.rebase(form, current=current, exc=exc, actor=self.actor)
                status = 409
            except ValidationError as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                return self.saved(record, spec)
        if not request.htmx:
            for error in form.non_field_errors() or [
                f"{form.fields[n].label or n}: {' '.join(e)}" for n, e in form.errors.items()
            ]:
                messages.error(request, error)
            return HttpResponseRedirect(
                f"{record.get_absolute_url()}?edit={spec.name}#record-panel"
            )  # type: ignore[attr-defined]
        return self.panel(record, status=status, editing=spec.name, form=form)

    def saved(self, record: Model, spec: InlineField) -> HttpResponse:
        fresh = type(self).query_one(self.actor, record.pk)  # type: ignore[misc]
        if not self.request.htmx:
            messages.success(self.request, f"{spec.label} saved.")
            return HttpResponseRedirect(fresh.get_absolute_url() + "#record-panel")
        response = self.panel(fresh)
        response["HX-Trigger"] = "record-changed"
        return response
