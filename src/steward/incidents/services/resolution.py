"""Seed 003 ch. 8 proc. 4, Incident Request Resolution by Specialist (and the desk's
resolution of proc. 6): ``incident_resolve``; a workaround likely to recur informs the
problem coordinator (``incident_inform_problem_coordinator``)."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from steward.core import journal
from steward.core.choices import JournalKind
from steward.core.errors import InvalidTransition
from steward.core.models import JournalEntry, Person, TemplateKind
from steward.core.services import work
from steward.incidents import hooks, search, workflows
from steward.incidents.choices import OPEN_ACTION_STATUSES, ResolutionCode
from steward.incidents.models import IncidentRequest, Solution, SolutionUse
from steward.incidents.queries.templates import filled_template
from steward.incidents.services.common import (
    N,
    _event,
    _locked,
    _save,
    _tell,
    _transition,
    _work_note,
)
from steward.incidents.services.people import problem_coordinators, require_work
from steward.incidents.services.solutions import require_usable
from steward.incidents.services.tracking import _stop_clocks
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)


def _use_solution(incident: IncidentRequest, actor: Person, solution: Any) -> Solution | None:
    solution = as_instance(Solution, solution, "solution")
    if solution is None:
        return None
    require_usable(solution)
    _, created = SolutionUse.objects.get_or_create(
        solution=solution, incident=incident, defaults={"used_by": actor}
    )
    if created:
        Solution.objects.filter(pk=solution.pk).update(use_count=F("use_count") + 1)
    return solution


def _resolve(
    incident: IncidentRequest,
    actor: Person,
    *,
    resolution: str,
    resolution_code: str,
    solution: Any = None,
    first_contact: bool = False,
) -> None:
    if incident.actions.filter(status__in=OPEN_ACTION_STATUSES).exists():
        raise ValidationError({"actions": ["Complete or cancel the open actions first."]})
    incident.resolution, incident.resolution_code = resolution, resolution_code
    incident.resolved_at, incident.resolved_by = timezone.now(), actor
    incident.first_contact_resolution = first_contact
    incident.pending_reason = ""
    incident.solution = _use_solution(incident, actor, solution)
    _transition(
        incident, N.RESOLVED, actor, resolution, public=True,
        also=[
            "resolution", "resolution_code", "resolved_at", "resolved_by",
            "first_contact_resolution", "pending_reason", "solution",
        ],
        event="incidents.incident_request.resolved", data={"first_contact": first_contact},
    )  # fmt: skip
    if incident.solution_id:
        search.refresh_documents(incident)  # the solution's text is searchable now
    _stop_clocks(incident, actor)
    _tell(
        [incident.requester],
        incident,
        "incident.resolved",
        "Your request was resolved",
        f"{resolution}\n\nIf this does not solve it, reopen the request from its page.",
        actor,
    )


def incident_resolve(
    *,
    actor: Person,
    incident_id: int,
    resolution: str = "",
    resolution_code: str,
    solution: Solution | int | None = None,
    workaround: bool = False,
    time_spent: int | None = None,
    template: int | None = None,
    override_reason: str = "",
) -> IncidentRequest:
    """Proc. 4 (specialist) and 6 (service desk): resolve and notify the requester with a
    link. Refused while an action is open. ``workaround=True`` (resolved with a workaround
    and likely to recur) informs the problem coordinator of the service. A ``template``
    fills an empty resolution; ``time_spent`` (minutes) is recorded with it.

    Proc. 2-5: a request that may not be resolved without Change Management is refused
    (400 naming ``override_reason``) unless a change is linked to it or an
    ``override_reason`` is given, which is journaled (the checks: ``hooks``)."""
    errors: dict[str, list[str]] = {}
    resolution_code = checked_choice(
        errors, "resolution_code", resolution_code, ResolutionCode.values
    )
    try:
        minutes = work.checked_minutes(time_spent)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if template is None:  # else the template's text, filled once the request is read
        resolution = checked_text(errors, "resolution", resolution)
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if template is not None:
            if not (resolution or "").strip():
                kind = TemplateKind.RESOLUTION
                resolution = filled_template(actor, incident, template, kind).text
            resolution = checked_text(errors, "resolution", resolution)
            raise_errors(errors)
        if hooks.check_resolution(incident, override_reason=override_reason or ""):
            _journal_override(incident, actor, override_reason)
        _resolve(
            incident,
            actor,
            resolution=resolution,
            resolution_code=resolution_code,
            solution=solution,
        )
        work.time_spent_add(
            actor=actor, record=incident, minutes=minutes, activity="resolution",
            entry=_last_entry(incident), group=incident.support_group,
        )  # fmt: skip
        if workaround:
            _inform(incident, actor, "Resolved with a workaround; likely to recur.")
    return incident


def _journal_override(incident: IncidentRequest, actor: Person, reason: str) -> None:
    """Resolved without the change the request needs: who decided it and why."""
    _work_note(actor, incident, f"Resolved without a change: {reason.strip()}")
    journal.system(
        incident,
        text=f"{actor} resolved it without a linked change, though it needs Change Management.",
        data={"change_override": True, "by": actor.pk},
    )


def _last_entry(incident: IncidentRequest) -> JournalEntry | None:
    """The journal line the resolution just wrote (its status change)."""
    return (
        JournalEntry.objects.filter(
            record_type=ContentType.objects.get_for_model(IncidentRequest),
            record_id=incident.pk,
            kind=JournalKind.TRANSITION,
            new_value=N.RESOLVED,
        )
        .order_by("-id")
        .first()
    )


def _inform(incident: IncidentRequest, actor: Person, note: str) -> list[Person]:
    people = problem_coordinators(incident.service)
    incident.problem_coordinator_informed_at = timezone.now()
    _save(incident, "problem_coordinator_informed_at")
    names = ", ".join(str(p) for p in people) or "nobody (no problem coordinator)"
    journal.system(
        incident,
        text=f"{actor} informed the problem coordinator: {names}. {note}".strip(),
        data={"problem_coordinators": [p.pk for p in people]},
    )
    _tell(people, incident, "incident.recurring", "An incident is likely to recur", note, actor)
    _event(incident, "incidents.incident_request.problem_coordinator_informed", actor)
    return people


def incident_inform_problem_coordinator(
    *, actor: Person, incident_id: int, note: str = ""
) -> IncidentRequest:
    """Proc. 4: a workaround was provided and the incident is likely to recur; the problem
    coordinator of the service (else any problem coordinator) is told."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status == N.CANCELLED:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "informed")
        if not _inform(incident, actor, note):
            raise ValidationError({"service": ["There is no problem coordinator to inform."]})
    return incident
