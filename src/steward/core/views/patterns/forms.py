"""Form pages through services: ``ServiceFormView``, ``RecordEditView``, ``RecordActionFormView``."""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import (
    ValidationError,
)
from django.db.models import Model
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.views.generic import TemplateView

from steward.core import versioning
from steward.core.errors import StaleVersion
from steward.core.views import conflicts
from steward.core.views.patterns.base import (
    RecordObjectMixin,
    StewardPageMixin,
    apply_errors,
    record_url,
)

# --- Forms through services -------------------------------------------------------------------


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
    # Declared instead of writing perform(): the service it calls, with the form's values
    # of ``service_fields`` (those it has) as keywords; RecordEditView hands them as
    # ``data=`` to the update of its record.
    service: Callable[..., Any] | None = None
    service_fields: Sequence[str] = ()

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

    def service_data(self, form: forms.Form) -> dict[str, Any]:
        """The form's values of ``service_fields``."""
        return {f: form.cleaned_data[f] for f in self.service_fields if f in form.cleaned_data}

    def declared_service(self) -> Callable[..., Any]:
        service = type(self).service  # through the class: a function, not a method
        if service is None:
            raise NotImplementedError("Set service or override perform().")
        return service

    def perform(self, form: forms.Form) -> Any:
        return self.declared_service()(actor=self.actor, **self.service_data(form))

    def update_record(
        self, form: forms.Form, service: Callable[..., Any], record_arg: str, **arguments: Any
    ) -> Any:
        """Call ``service``, an update of the versioned record (``record_arg``: its keyword
        for the record's id), as from the version ``form`` was opened at."""
        record = self.versioned_object()
        assert record is not None, "update_record() needs versioned_object()."
        return service(
            actor=self.actor,
            **{record_arg: record.pk},
            expected_version=self.expected_version(form),
            **arguments,
        )

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
                url = result if isinstance(result, str) else record_url(result) or "/"
                return HttpResponseRedirect(url)
        return self.render_form(form, status=400)

    def stale(self, form: forms.Form, exc: StaleVersion) -> HttpResponse:
        """The form again after a refused save, rebased on the current version
        (``conflicts.rebase``), with 409."""
        conflicts.rebase(form, current=self.get_form(), exc=exc, actor=self.actor)
        return self.render_form(form, status=409)


class RecordEditView(RecordObjectMixin, ServiceFormView):
    """The edit form of one record, fetched through ``query_one`` (404 for what the actor
    may not see); subclasses set ``form_class``, ``permission`` and either ``perform`` or
    ``service``, ``record_arg`` and ``service_fields`` (the update called as
    ``update_record(form, service, record_arg, data=...)``)."""

    submit_label = "Save changes"
    success_message = "Changes saved."
    title_format = "Edit {obj}"
    record_arg = ""  # the update service's keyword for the record's id

    def perform(self, form: forms.Form) -> Any:
        return self.update_record(
            form, self.declared_service(), self.record_arg, data=self.service_data(form)
        )

    def form_record(self) -> Model | None:
        return self.get_object()

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.get_object()}

    def get_cancel_url(self) -> str:
        return record_url(self.get_object()) or ""


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

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to ``next`` when it is a local path, else ``fallback``."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)
