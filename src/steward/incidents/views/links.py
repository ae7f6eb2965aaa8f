"""The record page's "Linked requests" card (link, unlink, merge a duplicate) and "Next
request": after resolving, on to the next request of the queue the person came from
(issue 13). Writes go through ``services/links.py``."""

import copy
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import Resolver404, path, resolve, reverse
from django.views import View

from steward.core import permissions
from steward.core.errors import DomainError
from steward.core.ids import parse_id
from steward.core.models import Person
from steward.core.views.patterns import StewardPageMixin
from steward.incidents.forms import LinkForm, MergeForm
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.queries.links import linked_incidents
from steward.incidents.services import links
from steward.incidents.services.people import may_work
from steward.incidents.views.queues import (
    ACTIVE,
    LAST_QUEUE,
    VIEW,
    WORK,
    IncidentGroupsView,
    QueueView,
)

CLOSE = "incidents.incident.close"


def links_context(actor: Person, incident: IncidentRequest, request: HttpRequest) -> dict[str, Any]:
    """What the record page's "Linked requests" card and its "Next request" button need."""
    work = may_work(actor, incident)
    merge = work and incident.status in ACTIVE and permissions.has(actor, CLOSE, incident)
    return {
        "linked_requests": linked_incidents(actor, incident),
        "link_form": LinkForm(actor=actor) if work else None,
        "merge_form": MergeForm(actor=actor) if merge else None,
        "next_url": (
            reverse("incidents:incident-next") + f"?after={incident.pk}"
            if incident.status not in ACTIVE
            else ""
        ),
    }


class _RecordPost(StewardPageMixin, View):
    permission = WORK
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = queries.incident_for(self.actor, pk)
        back = incident.get_absolute_url() + "#links"
        try:
            text, moved = self.perform(incident)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        except (PermissionDenied, DomainError) as exc:
            messages.error(request, str(exc) or "You may not do this.")
        else:
            messages.success(request, text)
            return HttpResponseRedirect(moved or back)
        return HttpResponseRedirect(back)

    def perform(self, incident: IncidentRequest) -> tuple[str, str]:
        """The service call: the message and where to go ("" for back to the card)."""
        raise NotImplementedError

    def form_data(self, form_class: type, incident: IncidentRequest) -> dict[str, Any]:
        form = form_class(self.request.POST, actor=self.actor, record=incident)
        if not form.is_valid():
            raise ValidationError(
                [
                    f"{form.fields[n].label if n in form.fields else n}: {e}"
                    for n, es in form.errors.items()
                    for e in es
                ]
            )
        return form.cleaned_data


class IncidentLinkView(_RecordPost):
    def perform(self, incident: IncidentRequest) -> tuple[str, str]:
        data = self.form_data(LinkForm, incident)
        links.incident_link(
            actor=self.actor, incident_id=incident.pk, other_id=data["other"].pk, kind=data["kind"]
        )
        return f"Linked to {data['other'].number}.", ""


class IncidentUnlinkView(_RecordPost):
    def perform(self, incident: IncidentRequest) -> tuple[str, str]:
        other = parse_id(self.request.POST.get("other"))
        links.incident_unlink(actor=self.actor, incident_id=incident.pk, other_id=other)
        return "Link removed.", ""


class IncidentMergeView(_RecordPost):
    permission = CLOSE

    def perform(self, incident: IncidentRequest) -> tuple[str, str]:
        data = self.form_data(MergeForm, incident)
        target = links.incident_merge(
            actor=self.actor, duplicate_id=incident.pk, into_id=data["into"].pk, note=data["note"]
        )
        text = f"{incident.number} merged into {target.number}: its requester has been told."
        return text, target.get_absolute_url()


def _queue_view(request: HttpRequest) -> QueueView:
    """The queue the person last looked at, with its filters and sort, else My groups."""
    stored = request.session.get(LAST_QUEUE, "")
    parts = urlsplit(stored)
    try:
        match = resolve(parts.path) if stored else None
    except Resolver404:
        match = None
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    if not (isinstance(view_class, type) and issubclass(view_class, QueueView)):
        view_class, parts = IncidentGroupsView, urlsplit("")
    queue_request = copy.copy(request)
    queue_request.GET = QueryDict(parts.query)
    view = view_class()
    view.setup(queue_request)
    return view


class IncidentNextView(StewardPageMixin, View):
    """The next request of the person's last queue after ``?after=`` (the one just
    resolved), or back to the queue when nothing is left."""

    permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        view = _queue_view(request)
        _, qs = view.filtered()
        qs = view.apply_sort(qs, view.current_sort()).filter(status__in=ACTIVE)
        after = parse_id(request.GET.get("after"))
        if after is not None:
            qs = qs.exclude(pk=after)
        found = qs.values_list("pk", flat=True).first()
        if found is None:
            messages.info(request, f"Nothing left in “{view.title}”.")
            return HttpResponseRedirect(
                request.session.get(LAST_QUEUE) or reverse("incidents:incident-groups")
            )
        return HttpResponseRedirect(reverse("incidents:incident-detail", args=[found]))


urlpatterns = [
    path("incidents/next/", IncidentNextView.as_view(), name="incident-next"),
    path("incidents/<int:pk>/links/", IncidentLinkView.as_view(), name="incident-link"),
    path("incidents/<int:pk>/links/remove/", IncidentUnlinkView.as_view(), name="incident-unlink"),
    path("incidents/<int:pk>/merge/", IncidentMergeView.as_view(), name="incident-merge"),
]
