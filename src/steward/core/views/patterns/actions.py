"""The page side of action tables (``core.actions``): one generic POST view per action and
the URL patterns of a table.

A refused form comes back on the record page (``page``, a ``RecordDetailView`` given when
the URLs are made) with its errors and 400; a refused button, a row's form (one of many
on the page) or a table without a page comes back as an error message on the record page."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path
from django.views import View

from steward.core.actions import Action, ActionTable, Posted
from steward.core.views.patterns.base import Action as HeaderAction
from steward.core.views.patterns.base import StewardPageMixin, apply_errors
from steward.core.views.patterns.forms import RecordActionFormView, redirect_back


class ActionView(StewardPageMixin, View):
    """POST one action of a table to its service: the record through the table's
    ``query_one`` (404 for what the actor may not see), the action's permission (403),
    the form (400 on the record page), the service (its refusal on the form or as a
    message), then the success message and back to the record page."""

    http_method_names = ["post"]
    table: ActionTable
    action: Action
    page: type[View] | None = None

    @property
    def posted_form(self) -> type[forms.Form] | None:
        return self.action.form_class

    def post(self, request: HttpRequest, pk: int, **url_kwargs: Any) -> HttpResponse:
        table, action = self.table, self.action
        record = table.query_one(self.actor, pk)
        try:
            row = action.row(self.actor, record, url_kwargs) if action.row else None
        except ValidationError as exc:
            return self.back_with(record, exc.messages)
        form = table.form(action, self.actor, request.POST, record=record)
        data: dict[str, Any] = {}
        if form is not None:
            if not form.is_valid():
                return self.refused(record, form)
            data = dict(form.cleaned_data)
        try:
            result = table.perform(
                action, actor=self.actor, record=record, data=data, url_kwargs=url_kwargs, row=row
            )
        except ValidationError as exc:
            if form is None or self.page is None or action.on_row:
                return self.back_with(
                    record, exc.messages if table.split_errors else [" ".join(exc.messages)]
                )
            if action.error_field:
                form.add_error(action.error_field, " ".join(exc.messages))
            else:
                apply_errors(form, exc)
            return self.refused(record, form)
        messages.success(request, action.done_text(Posted(record, row, result, data)))
        return redirect_back(request, table.return_url(record) + action.fragment)

    def back_with(self, record: Any, texts: list[str]) -> HttpResponse:
        """Back to the record page with ``texts`` as error messages."""
        for text in texts:
            messages.error(self.request, text)
        return HttpResponseRedirect(self.table.return_url(record) + self.action.fragment)

    def refused(self, record: Any, form: forms.Form) -> HttpResponse:
        """The record page again with the action's form open and its errors (400)."""
        if self.page is None or self.action.on_row:
            return self.back_with(
                record, [text for errors in form.errors.values() for text in errors]
            )
        page = self.page()
        page.setup(self.request, pk=record.pk)
        page._object = record  # type: ignore[attr-defined]
        context = page.get_context_data(failed_action=self.action.key, failed_form=form)  # type: ignore[attr-defined]
        return page.render_to_response(context, status=400)  # type: ignore[attr-defined]


class ActionFormPageView(RecordActionFormView):
    """An action whose form is a page of its own (``Action.page_title``: terminate,
    discontinue): the form page's access, versioning and refusals (``RecordActionFormView``),
    the table's service, message and way back."""

    table: ActionTable
    action: Action

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.action.page_title.format(obj=self.get_object())

    @property
    def submit_label(self) -> str:  # type: ignore[override]
        return self.action.label

    def get_form(self, data: Any = None) -> forms.Form:
        form = super().get_form(data)
        if not form.is_bound and self.action.initial:
            form.initial = self.action.initial(self.get_object())
        return form

    def perform(self, form: forms.Form) -> str:
        record, data = self.get_object(), dict(form.cleaned_data)
        result = self.table.perform(self.action, actor=self.actor, record=record, data=data)
        messages.success(self.request, self.action.done_text(Posted(record, None, result, data)))
        return self.table.return_url(record) + self.action.fragment


def action_urls(
    table: ActionTable, *, page: type[View] | None = None, prefix: str | None = None
) -> list[URLPattern]:
    """One URL per page action of ``table``: ``<prefix>/<int:pk>/<route>``, named
    ``<table name>-<key>`` (or the action's ``url_name``)."""
    base = table.prefix if prefix is None else prefix
    patterns = []
    for action in table.actions:
        if not action.page:
            continue
        attributes: dict[str, Any] = {
            "table": table,
            "action": action,
            # The role check of the page; the record's is in the service.
            "permission": action.permission or table.page_permission,
        }
        if action.page_title:
            base_view: type[View] = ActionFormPageView
            attributes.update(form_class=action.form_class, query_one=table.query_one)
        else:
            base_view = ActionView
            attributes["page"] = page
        view = type(
            f"{table.name.title().replace('-', '')}{action.method_name.title().replace('_', '')}View",
            (base_view,),
            attributes,
        )
        route = action.route or f"{action.key}/"
        patterns.append(
            path(
                f"{base}/<int:pk>/{route}",
                view.as_view(),
                name=action.url_name or f"{table.name}-{action.key}",
            )
        )
    return patterns


def header_buttons(table: ActionTable, actor: Any, record: Any) -> list[HeaderAction]:
    """The table's offered actions without a form, as buttons in the record's header
    (``RecordDetailView.get_actions``), and links to those with a form page of their own,
    in the table's order."""
    buttons = []
    for action in table.allowed(actor, record):
        if action.on_row or (action.form_class is not None and not action.page_title):
            continue
        label = action.label_for(record)
        if action.page_title:
            buttons.append(HeaderAction(label, table.url(action, record), style=action.style))
            continue
        buttons.append(
            HeaderAction(
                label,
                table.url(action, record),
                method="post",
                style=action.style,
                confirm=action.ask or (f"{label}?" if action.confirm else ""),
            )
        )
    return buttons
