"""The self-service portal (seed 003 ch. 8 procedures 1 and 6; IRP SG1): requesters
register their requests, follow them, reply, and accept or reopen a resolved request;
customer representatives also follow their organisation's requests.

Only public things are shown here: the public timeline (no work notes, whoever looks),
the resolution and the attachments.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views import View

from steward.core import attachments, journal, permissions, registry
from steward.core.choices import Role
from steward.core.errors import PayloadTooLarge
from steward.core.ids import parse_id
from steward.core.roles import is_desk
from steward.core.services.attachments import attachment_add
from steward.core.views.patterns import (
    RecordObjectMixin,
    StewardPageMixin,
    action_urls,
    apply_errors,
)
from steward.core.views.shell import work_card
from steward.incidents import forms as f
from steward.incidents import search
from steward.incidents.actions import PORTAL
from steward.incidents.choices import Channel, IncidentStatus, PendingReason
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import incidents as svc
from steward.incidents.services import requests as request_svc
from steward.service_level.models import RequestType
from steward.service_level.queries import services_for
from steward.service_level.queries.request_types import may_request, request_type_for

S = IncidentStatus
VIEW = "incidents.incident.view"
REGISTER = "incidents.incident.register"
VERIFY = "incidents.incident.verify"
OPEN = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING)
SEARCH_LIMIT = 50  # requests listed for a portal search, best first

# How a requester reads a status.
STATUS_WORDS = {
    S.NEW: "Received",
    S.ASSIGNED: "With a support team",
    S.IN_PROGRESS: "Being worked on",
    S.PENDING: "On hold",
    S.RESOLVED: "Resolved: please check",
    S.CLOSED: "Closed",
    S.CANCELLED: "Cancelled",
}


def is_representative(actor: Any) -> bool:
    return Role.CUSTOMER_REPRESENTATIVE in getattr(actor, "role_names", set())


def portal_requests(actor: Any, *, everyone: bool = False) -> QuerySet[IncidentRequest]:
    """The actor's own requests; a representative's ``everyone`` adds the organisation's
    (the queries decide which organisation's requests the representative may see)."""
    qs = queries.incidents_for(actor)
    if not (everyone and is_representative(actor)):
        qs = qs.filter(requester_id=actor.pk)
    return qs.select_related("requester", "service")


def can_attach(actor: Any) -> bool:
    kind = attachments.attachable_for(IncidentRequest)
    return kind is not None and permissions.has(actor, kind.change)


def waiting_for_requester(incident: IncidentRequest) -> bool:
    return incident.status == S.RESOLVED or (
        incident.status == S.PENDING and incident.pending_reason == PendingReason.AWAITING_REQUESTER
    )


class PortalHomeView(StewardPageMixin, View):
    """My requests: what waits for me first, then what is open, then what is done."""

    permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = self.actor
        everyone = request.GET.get("show") == "organisation" and is_representative(actor)
        qs = portal_requests(actor, everyone=everyone)
        text = request.GET.get("q", "").strip()[: search.MAX_TEXT]
        # The portal is the customer's view, whoever looks: the customer document only.
        found = list(search.match_incidents(qs, text, staff=False)[:SEARCH_LIMIT]) if text else []
        current = list(qs.filter(status__in=(*OPEN, S.RESOLVED)).order_by("-updated_at", "-pk"))
        done = list(
            qs.filter(status__in=(S.CLOSED, S.CANCELLED)).order_by("-updated_at", "-pk")[:20]
        )
        for incident in (*current, *done, *found):
            incident.status_words = STATUS_WORDS.get(incident.status, "")  # type: ignore[attr-defined]
        return render(
            request,
            "incidents/portal_home.html",
            {
                "title": "My requests",
                "waiting": [i for i in current if waiting_for_requester(i)],
                "open": [i for i in current if not waiting_for_requester(i)],
                "done": done,
                "everyone": everyone,
                "search_text": text,
                "found": found,
                "representative": is_representative(actor),
                "can_register": permissions.has(actor, REGISTER),
                "work": _work(actor),
            },
        )


def _work(actor: Any) -> list[Any]:
    """What else waits for a customer-side person (a representative's agreements to
    sign...): the My work sections with something in them, as they land here instead."""
    if not permissions.is_customer_side(actor):
        return []
    sections = [s for provider in registry.WORK_PROVIDERS for s in provider(actor) if s.rows]
    return [work_card(s) for s in sections]


class PortalCreateView(StewardPageMixin, View):
    """Register a request for oneself (channel: portal), with an optional file."""

    permission = REGISTER
    form_class = f.PortalRegisterForm

    def form(self, data: Any = None, files: Any = None) -> f.PortalRegisterForm:
        form = f.PortalRegisterForm(data, files, actor=self.actor)
        if not can_attach(self.actor):
            del form.fields["attachment"]
        return form

    def render_form(self, form: forms.Form, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "incidents/portal_form.html",
            {"title": "Ask for help", "form": form, "suggest_url": _suggest_url()},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(self.form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form, status=400)
        data = form.cleaned_data
        try:
            incident = svc.incident_register(
                actor=self.actor,
                requester=self.actor,
                title=data["title"],
                description=data.get("description") or "",
                service=data.get("service"),
                channel=Channel.PORTAL,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.render_form(form, status=400)
        upload = data.get("attachment")
        if upload:
            try:
                attachment_add(actor=self.actor, record=incident, uploaded_file=upload)
            except (ValidationError, PayloadTooLarge, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                messages.warning(request, f"The file could not be attached: {text}")
        messages.success(
            request, f"Thank you. Your request {incident.number} is registered; we keep you posted."
        )
        return HttpResponseRedirect(reverse("incidents:portal-detail", args=[incident.pk]))


def _suggest_url() -> str:
    try:
        return reverse("incidents:solution-suggest")
    except NoReverseMatch:
        return ""


class PortalDetailView(RecordObjectMixin, StewardPageMixin, View):
    """One request as the requester sees it: public timeline, reply, accept or reopen."""

    permission = VIEW
    query_one = queries.incident_for

    def context(self, **kwargs: Any) -> dict[str, Any]:
        incident = self.get_object()
        actor = self.actor
        # The customer's view, whoever looks: staff opening the portal page see what the
        # requester sees.
        entries = list(
            journal.timeline(incident, actor=actor, public_only=True).order_by("created_at", "pk")
        )
        may_verify = (
            incident.status == S.RESOLVED
            and permissions.has(actor, VERIFY, incident)
            and (incident.requester_id == actor.pk or is_desk(actor))
        )
        open_or_resolved = incident.status in (*OPEN, S.RESOLVED)
        return {
            "title": incident.title,
            "incident": incident,
            "record": incident,
            "entries": entries,
            "status_words": STATUS_WORDS.get(incident.status, incident.get_status_display()),
            "reply_form": kwargs.get("reply_form")
            or self.failed_form("reply", kwargs)
            or (f.PortalReplyForm(actor=actor) if open_or_resolved else None),
            "reopen_form": kwargs.get("reopen_form")
            or self.failed_form("reopen", kwargs)
            or (f.PortalReopenForm(actor=actor) if may_verify else None),
            "may_verify": may_verify,
            "files": list(attachments.of_record(actor, incident).order_by("created_at")),
            "upload_url": _upload_url() if can_attach(actor) and open_or_resolved else "",
            "waiting": waiting_for_requester(incident),
            "submission": queries.submission_of(incident),
            "staff_url": ""
            if permissions.is_customer_side(actor)
            else reverse("incidents:incident-detail", args=[incident.pk]),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, "incidents/portal_detail.html", self.context())

    def failed_form(self, key: str, kwargs: dict[str, Any]) -> forms.Form | None:
        """The portal form of action ``key`` posted with errors (``incidents.actions.PORTAL``)."""
        return kwargs.get("failed_form") if kwargs.get("failed_action") == key else None

    # The page again after a refused form (core.views.patterns.ActionView).
    get_context_data = context

    def render_to_response(self, context: dict[str, Any], status: int = 200) -> HttpResponse:
        return render(self.request, "incidents/portal_detail.html", context, status=status)


def _upload_url() -> str:
    try:
        return reverse("core:attachment-upload")
    except NoReverseMatch:
        return ""


class PortalRequestView(StewardPageMixin, View):
    """A catalog request type's form (issue 13): answering it registers a user service
    request; the response promise of the requester's SLA is shown before sending."""

    permission = REGISTER

    def render_form(
        self, request_type: RequestType, form: f.RequestTypeForm, status: int = 200
    ) -> HttpResponse:
        allowed = may_request(self.actor, request_type)
        return render(
            self.request,
            "incidents/portal_request.html",
            {
                "title": request_type.name,
                "request_type": request_type,
                "item": request_type.catalog_item,
                "form": form if allowed else None,
                "expected_response": request_svc.expected_response_for(self.actor, request_type),
                "catalog_url": _catalog_url(request_type.catalog_item_id),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        request_type = request_type_for(self.actor, pk)
        return self.render_form(request_type, f.RequestTypeForm(request_type=request_type))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        request_type = request_type_for(self.actor, pk)
        form = f.RequestTypeForm(request.POST, request_type=request_type)
        if not form.is_valid():
            return self.render_form(request_type, form, status=400)
        try:
            incident = request_svc.service_request_submit(
                actor=self.actor, request_type=request_type, answers=form.answers()
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError(
                    {k.removeprefix("answers."): v for k, v in exc.error_dict.items()}
                )
            apply_errors(form, exc)
            return self.render_form(request_type, form, status=400)
        promise = incident.submission.expected_response
        messages.success(
            request,
            f"Thank you. Your request {incident.number} is registered. {promise}".strip(),
        )
        return HttpResponseRedirect(reverse("incidents:portal-detail", args=[incident.pk]))


def _catalog_url(item_id: int) -> str:
    try:
        return reverse("service_level:catalog-entry", args=[item_id])
    except NoReverseMatch:
        return ""


class PortalSolvedView(StewardPageMixin, View):
    """ "This solved it" on a suggested solution: the request ends before it is registered
    and counts as a deflection (what the person had typed is kept with it)."""

    permission = REGISTER

    def post(self, request: HttpRequest) -> HttpResponse:
        solution = parse_id(request.POST.get("solved_solution"))
        if solution is None:
            return HttpResponseRedirect(reverse("incidents:portal-create"))
        typed = (request.POST.get(name, "").strip() for name in ("title", "description"))
        service = services_for(self.actor).filter(pk=parse_id(request.POST.get("service"))).first()
        request_svc.deflection_record(
            actor=self.actor,
            solution=solution,
            text="\n\n".join(t for t in typed if t),
            service=service,
        )
        messages.success(request, "Glad it helped. Nothing was sent to the service desk.")
        return HttpResponseRedirect(reverse("incidents:portal-home"))


urlpatterns = [
    path("portal/", PortalHomeView.as_view(), name="portal-home"),
    path("portal/new/", PortalCreateView.as_view(), name="portal-create"),
    path("portal/<int:pk>/", PortalDetailView.as_view(), name="portal-detail"),
    path("portal/request/<int:pk>/", PortalRequestView.as_view(), name="portal-request"),
    path("portal/solved/", PortalSolvedView.as_view(), name="portal-solved"),
    *action_urls(PORTAL, page=PortalDetailView),
]
