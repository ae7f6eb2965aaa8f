"""Pages of the Incident Request Review (seed 003 ch. 9 proc. 1): the review of the
incident requests no problem explains yet, grouped by what they share, with the
specialists' hints on top; what is chosen there becomes a new problem (the register form,
prefilled) or is linked to an open one. And the incident page's "Problem" section
(``incidents.hooks.record_section``) with its link form."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.views.generic import TemplateView, View

from steward.core import permissions
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.core.views.patterns import StewardPageMixin
from steward.incidents.queries.incidents import incident_for, incidents_for
from steward.problems.choices import ProblemSource
from steward.problems.forms.review import (
    IncidentProblemLinkForm,
    ReviewPeriodForm,
    ReviewSelectionForm,
)
from steward.problems.models import ProblemIncident
from steward.problems.queries import review as queries
from steward.problems.services import problems as svc

PROBLEMS_PER_SERVICE = 50  # open problems offered in a group's "link to" select


class ReviewView(StewardPageMixin, TemplateView):
    """Proc. 1: the problem coordinator reviews the incident requests of a period that are
    not linked to a problem, grouped by service, category and CI, to identify problems."""

    permission = svc.COORDINATE
    template_name = "problems/review.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services = queries.review_services(self.actor)
        form = ReviewPeriodForm(request.GET or None, services=services)
        review = None
        if not form.is_bound or form.is_valid():
            data = form.cleaned_data if form.is_bound else {}
            review = queries.review(
                self.actor,
                service_id=data.get("service"),
                days=data.get("days") or queries.DEFAULT_DAYS,
            )
        context = self.get_context_data(form=form, review=review, services=services)
        if review is not None:
            by_service = _open_problems(self.actor, review.services)
            for group in review.groups:
                group.open_problems = by_service.get(group.service.pk, [])
            context.update(
                all_open_problems=[p for s in review.services for p in by_service.get(s.pk, [])],
                query=request.GET.urlencode(),
                hint_source=ProblemSource.SPECIALIST_HINT,
                review_source=ProblemSource.INCIDENT_REVIEW,
                hint_rows=_hint_rows(review.hints),
            )
        return self.render_to_response(context, status=200 if review is not None else 400)


def _hint_rows(hints: list[Any]) -> list[tuple[Any, str]]:
    notes = queries.hint_notes(hints)
    rows = []
    for incident in hints:
        who = queries.informed_by(incident)
        rows.append((incident, notes.get(incident.pk) or (who.display_name if who else "")))
    return rows


def _open_problems(actor: Person, services: list[Any]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for problem in queries.open_problems(actor, services)[: PROBLEMS_PER_SERVICE * 10]:
        found.setdefault(problem.service_id, [])
        if len(found[problem.service_id]) < PROBLEMS_PER_SERVICE:
            found[problem.service_id].append(problem)
    return found


def _messages(request: HttpRequest, error: ValidationError | DomainError) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        texts = [m for messages_ in error.message_dict.values() for m in messages_]
    else:
        texts = list(getattr(error, "messages", None) or [str(error)])
    for text in texts:
        messages.error(request, text)


def register_url(actor: Person, incident_ids: list[int], source: str) -> str:
    """The register form prefilled from the chosen requests: their service, category and
    CIs when they share them, the requests and where the problem was identified from."""
    chosen = list(
        incidents_for(actor).filter(pk__in=incident_ids).prefetch_related("cis").order_by("pk")
    )
    params: list[tuple[str, Any]] = [("source", source)]
    services = {i.service_id for i in chosen}
    categories = {i.category_id for i in chosen}
    if len(services) == 1 and None not in services:
        params.append(("service", services.pop()))
    if len(categories) == 1 and None not in categories:
        params.append(("category", categories.pop()))
    if chosen:
        params.append(("incidents", ",".join(str(i.pk) for i in chosen)))
        shared = set.intersection(*({c.pk for c in i.cis.all()} for i in chosen))
        if shared:
            params.append(("cis", ",".join(str(pk) for pk in sorted(shared))))
    return reverse("problems:problem-create") + "?" + urlencode(params)


class ReviewSelectionView(StewardPageMixin, View):
    """The review's checkboxes: "Register a problem" goes to the register form prefilled;
    "Link" links them to the chosen open problem (``problem_link_incidents``). A refusal
    comes back to the review as a message."""

    permission = svc.COORDINATE
    http_method_names = ["post"]
    posted_form = ReviewSelectionForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = reverse("problems:review") + ("?" + request.GET.urlencode() if request.GET else "")
        form = ReviewSelectionForm(request.POST, actor=self.actor)
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, text)
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        if "register" in request.POST:
            source = data.get("source") or ProblemSource.INCIDENT_REVIEW
            return HttpResponseRedirect(register_url(self.actor, data["incidents"], source))
        problem = data.get("problem")
        if problem is None:
            messages.error(request, "Choose the open problem to link them to.")
            return HttpResponseRedirect(back)
        try:
            svc.problem_link_incidents(
                actor=self.actor, problem_id=problem.pk, incident_ids=data["incidents"]
            )
        except (ValidationError, DomainError) as error:
            _messages(request, error)
        else:
            count = len(data["incidents"])
            messages.success(request, f"Linked {count} incident request(s) to {problem.number}.")
        return HttpResponseRedirect(back)


class IncidentProblemLinkView(StewardPageMixin, View):
    """The incident page's form: link the request to an open problem of its service
    (proc. 1); a refusal comes back to the incident page as a message."""

    permission = svc.COORDINATE
    http_method_names = ["post"]
    posted_form = IncidentProblemLinkForm

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = incident_for(self.actor, pk)
        back = incident.get_absolute_url() + "#problem"
        form = IncidentProblemLinkForm(request.POST, actor=self.actor, record=incident)
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, text)
            return HttpResponseRedirect(back)
        problem = form.cleaned_data["problem"]
        try:
            svc.problem_link_incidents(
                actor=self.actor, problem_id=problem.pk, incident_ids=[incident.pk]
            )
        except (ValidationError, DomainError) as error:
            _messages(request, error)
        else:
            messages.success(request, f"Linked to {problem.number}.")
        return HttpResponseRedirect(back)


def incident_problem_section(actor: Person, incident: Any) -> dict[str, Any]:
    """The incident page's "Problem" card, staff only: the problem the request is linked
    to (its workaround and known errors), and for a problem coordinator of the service
    the form linking it to an open problem or the way to register a new one."""
    if permissions.is_customer_side(actor) or not permissions.has(actor, svc.VIEW):
        return {}
    link = ProblemIncident.objects.filter(incident_id=incident.pk).select_related("problem").first()
    if link is not None:
        problem = link.problem
        return {
            "problem": problem,
            "known_errors": list(problem.known_errors.order_by("number")),
            "linked_at": link.linked_at,
        }
    service = incident.service
    if service is None or not permissions.has(actor, svc.COORDINATE, service):
        return {}
    form = IncidentProblemLinkForm(actor=actor, record=incident)
    return {
        "problem": None,
        "form": form,
        "has_problems": form.fields["problem"].queryset.exists(),
        "link_url": reverse("problems:incident-problem-link", args=[incident.pk]),
        "register_url": register_url(actor, [incident.pk], _source_of(incident)),
    }


def _source_of(incident: Any) -> str:
    if incident.problem_coordinator_informed_at is not None:
        return ProblemSource.SPECIALIST_HINT
    return ProblemSource.INCIDENT_REVIEW


urlpatterns = [
    path("problems/review/", ReviewView.as_view(), name="review"),
    path("problems/review/selection/", ReviewSelectionView.as_view(), name="review-selection"),
    path(
        "problems/incidents/<int:pk>/link/",
        IncidentProblemLinkView.as_view(),
        name="incident-problem-link",
    ),
]
