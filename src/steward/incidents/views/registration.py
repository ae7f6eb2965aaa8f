"""Registration by the service desk (seed 003 ch. 8, procedure 1): the form with the
requester lookup, their open and recent requests, and the priority preview (htmx)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.views import View

from steward.core import queries as core_queries
from steward.core.ids import parse_id
from steward.core.models import Person
from steward.core.views.patterns import ServiceFormView, StewardPageMixin
from steward.incidents import forms as f
from steward.incidents.queries import incidents as queries
from steward.incidents.services import incidents as svc
from steward.incidents.services.routing import priority_for
from steward.incidents.views.queues import ACTIVE, PRIORITY_SHORT, WORK, S


def solution_suggest_url() -> str:
    try:
        return reverse("incidents:solution-suggest")
    except NoReverseMatch:
        return ""


class IncidentCreateView(ServiceFormView):
    """The service desk's form: find the requester (and their requests), then register."""

    permission = WORK
    form_class = f.IncidentRegisterForm
    cancel_url = reverse_lazy("incidents:incident-list")
    template_name = "incidents/incident_form.html"
    title = "New incident request"
    submit_label = "Register"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        wanted = parse_id(self.request.GET.get("requester"))
        if wanted is not None:
            initial["requester"] = wanted
        return initial

    def perform(self, form: forms.Form) -> Any:
        incident = svc.incident_register(actor=self.actor, **form.register_kwargs())
        if incident.status == S.RESOLVED:
            messages.success(self.request, f"{incident.number} registered and resolved.")
        elif incident.support_group_id:
            messages.success(
                self.request, f"{incident.number} registered for {incident.support_group}."
            )
        else:
            messages.success(self.request, f"{incident.number} registered.")
        return incident

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        person = form.selected_requester() if form is not None else None
        context.update(
            requester=person,
            requester_panel=requester_panel(self.actor, person) if person else None,
            lookup_url=reverse("incidents:requester-lookup"),
            priority_url=reverse("incidents:priority-preview"),
            suggest_url=solution_suggest_url(),
            priority=_preview(form),
        )
        return context


def _preview(form: Any) -> dict[str, str]:
    impact = form["impact"].value() if form is not None else None
    urgency = form["urgency"].value() if form is not None else None
    return priority_preview(str(impact or "4"), str(urgency or "3"))


def priority_preview(impact: str, urgency: str) -> dict[str, str]:
    try:
        value = str(priority_for(impact, urgency))
    except (ValidationError, ValueError, KeyError, LookupError):
        return {}
    return {"key": f"p{value}", "label": f"P{value} {PRIORITY_SHORT.get(value, '')}".strip()}


def requester_panel(actor: Any, person: Person) -> dict[str, Any]:
    """A requester's open requests and their latest closed ones (procedure 1: "if the user
    contacted the service desk about a previously registered incident request ...")."""
    theirs = (
        queries.incidents_for(actor)
        .filter(requester=person)
        .select_related("support_group", "assignee")
    )
    organisations = list(person.organisations.order_by("name"))
    return {
        "person": person,
        "organisations": organisations,
        "open": list(theirs.filter(status__in=ACTIVE).order_by("priority", "created_at")[:20]),
        "recent": list(theirs.exclude(status__in=ACTIVE).order_by("-updated_at", "-pk")[:5]),
    }


class RequesterLookupView(StewardPageMixin, View):
    """htmx: people whose name or email matches what the analyst typed."""

    permission = WORK

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()[:100]
        people = list(f.person_matches(self.actor, text)[:10]) if len(text) >= 2 else []
        return render(
            request,
            "incidents/partials/requester_matches.html",
            {"people": people, "q": text},
        )


class RequesterRequestsView(StewardPageMixin, View):
    """htmx: the chosen requester, their open and recent requests, and the service list
    with their organisation's services first."""

    permission = WORK

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = core_queries.person_for(self.actor, pk)
        panel = requester_panel(self.actor, person)
        services = f.services_first_for(self.actor, [o.pk for o in panel["organisations"]])
        return render(
            request,
            "incidents/partials/requester_panel.html",
            {"panel": panel, "services": services, "oob": True},
        )


class PriorityPreviewView(StewardPageMixin, View):
    permission = WORK

    def get(self, request: HttpRequest) -> HttpResponse:
        priority = priority_preview(request.GET.get("impact", ""), request.GET.get("urgency", ""))
        return render(request, "incidents/partials/priority_preview.html", {"priority": priority})


urlpatterns = [
    path("incidents/new/", IncidentCreateView.as_view(), name="incident-create"),
    path("incidents/requesters/", RequesterLookupView.as_view(), name="requester-lookup"),
    path(
        "incidents/requesters/<int:pk>/requests/",
        RequesterRequestsView.as_view(),
        name="requester-requests",
    ),
    path("incidents/priority/", PriorityPreviewView.as_view(), name="priority-preview"),
]
