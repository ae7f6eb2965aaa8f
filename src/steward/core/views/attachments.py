"""Attachment upload (from record pages) and download (pages and API)."""

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from steward.core import attachments
from steward.core import inputs as core_inputs
from steward.core.errors import PayloadTooLarge
from steward.core.fields import GuardedForm
from steward.core.models import Attachment
from steward.core.services.attachments import attachment_add
from steward.core.views.patterns import StewardPageMixin


def _ascii_fallback(name: str) -> str:
    cleaned = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return cleaned or "attachment"


def content_disposition(name: str) -> str:
    """RFC 6266: a plain ASCII ``filename`` for old clients and the exact name in ``filename*``."""
    return (
        f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download: never rendered inline, never sniffed, scripts sandboxed."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file of this attachment is missing.") from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _back(request: HttpRequest, record: Any = None) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if record is not None and hasattr(record, "get_absolute_url"):
        try:
            return record.get_absolute_url()
        except NoReverseMatch:
            pass
    return "/"


class AttachmentUploadForm(GuardedForm):
    """What a record page's upload form posts; the service checks the record and the file."""

    inputs = core_inputs.ATTACHMENT
    record_type = forms.CharField(max_length=100)
    record_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    file = forms.FileField(required=False)
    next = forms.CharField(required=False, max_length=2000)


class AttachmentUploadView(StewardPageMixin, View):
    """Form post from a record page: record_type, record_id, file and next."""

    http_method_names = ["post"]
    form_class = AttachmentUploadForm

    def post(self, request: HttpRequest) -> HttpResponse:
        record = None
        form = AttachmentUploadForm(request.POST, request.FILES, actor=self.actor)
        try:
            if not form.is_valid():
                raise ValidationError([m for e in form.errors.values() for m in e])
            record = attachments.record_for(
                self.actor, form.cleaned_data["record_type"], form.cleaned_data["record_id"]
            )
            attachment = attachment_add(
                actor=self.actor, record=record, uploaded_file=request.FILES.get("file")
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PayloadTooLarge as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Attached {attachment.original_name}.")
        return HttpResponseRedirect(_back(request, record))


class AttachmentDownloadView(StewardPageMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return attachment_response(attachments.attachment_for(self.actor, pk))


urlpatterns = [
    path("attachments/upload/", AttachmentUploadView.as_view(), name="attachment-upload"),
    path(
        "attachments/<int:pk>/download/",
        AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
]
