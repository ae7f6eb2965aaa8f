"""The record page pattern (``RecordDetailView``); its buttons and step forms post to the
views of its action table (``core.views.patterns.actions``)."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    PermissionDenied,
    ValidationError,
)
from django.db.models import Model
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.views.generic import TemplateView

from steward.core import inputs as core_inputs
from steward.core import journal, permissions
from steward.core.fields import GuardedForm
from steward.core.models import Attachment, TimeEntry
from steward.core.templatetags.steward import resolve, resolve_display
from steward.core.views.patterns.base import (
    Action,
    Field,
    RecordObjectMixin,
    Related,
    StewardPageMixin,
    apply_errors,
    build_cells,
)
from steward.core.views.patterns.live import LiveRecordMixin, is_poll

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


class RecordDetailView(LiveRecordMixin, RecordObjectMixin, StewardPageMixin, TemplateView):
    """A record page: header, fields, related records, allowed actions, attachments, timeline.

    Subclasses set ``query_one`` (``person_for``-style: raises Http404 for what the actor
    may not see) and override ``get_fields``, ``get_related`` and ``get_actions``.
    ``note_permission`` enables the note form (``journal.note_add`` checks it again);
    ``public_replies`` offers the public/internal choice; ``accepts_attachments`` shows
    the attachment list and upload form.
    """

    template_name = "core/detail.html"
    timeline_template_name = "core/partials/timeline.html"
    status_field: str | None = None
    kind_label = ""
    list_url_name = ""
    note_permission: str | None = None
    public_replies = False
    accepts_attachments = False
    timeline_limit = 200

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.live and is_poll(request):
            return self.live_answer()
        return super().get(request, *args, **kwargs)

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

    def failed_form(self, key: str, kwargs: Mapping[str, Any]) -> forms.Form | None:
        """The form of action ``key`` posted with errors (``core.views.patterns.actions``
        shows the page again with it), else None."""
        return kwargs.get("failed_form") if kwargs.get("failed_action") == key else None

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
        if entries and not permissions.is_customer_side(self.actor):
            spent = dict(
                TimeEntry.objects.filter(journal_entry_id__in=[e.pk for e in entries]).values_list(
                    "journal_entry_id", "minutes"
                )
            )
            for e in entries:
                e.minutes_spent = spent.get(e.pk)  # type: ignore[attr-defined]
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
            kind_label=self.kind_label or capfirst(obj._meta.verbose_name),
            status=resolve(obj, self.status_field) if self.status_field else None,
            status_label=resolve_display(obj, self.status_field) if self.status_field else "",
            fields=self.get_fields(obj),
            related=related,
            actions=self.allowed_actions(obj),
            list_url=reverse(self.list_url_name) if self.list_url_name else "",
            live=self.live_context(obj),
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
